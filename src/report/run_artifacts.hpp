// What `forge report` shows of a run besides its curves: its model summary, the newest image of
// each name the model drew (Model::epoch_images), embedded, and the newest confusion matrix of
// its test (else valid) evaluations (metrics/table_writer.hpp) drawn as a heatmap.
#pragma once

#include <string>
#include <vector>

namespace forge {

struct RunArtifacts {
  struct Image {
    std::string name;  // the model's name for it
    std::string file;  // its path below the run folder
    std::string png;   // its bytes; empty when too big to embed
  };
  std::vector<Image> images;
  std::string confusion_file;                       // below the run folder; empty: none
  std::vector<std::vector<std::string>> confusion;  // its CSV cells, header row first
  std::vector<std::string> skipped;                 // "file: why" of each file not read (a link, not a PNG...)
  std::string model;                                // the model summary's text (runs/model_record.hpp); "": none

  bool empty() const { return images.empty() && confusion.empty() && skipped.empty() && model.empty(); }
};

// Reads them from the run folder, only regular files inside it (core/confined_file.hpp); a
// link, a file that is not what its name says, or an unreadable one is skipped, logged and
// listed in `skipped`.
RunArtifacts find_run_artifacts(const std::string& run_dir);

// The HTML of a run's section (nothing for a run without any).
std::string run_artifacts_html(const RunArtifacts& artifacts, const std::string& run_name);

}  // namespace forge
