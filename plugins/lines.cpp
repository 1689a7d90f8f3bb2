// Data plugin: a stream — a text file of labelled lines, `LABEL<TAB>TEXT`, read front to back
// and never held in memory (forge/stream.hpp). Every --test_every-th line is a test sample,
// the others train, in file order; a sample is its text's UTF-8 bytes as tokens (a batch pads
// them and gives their lengths as `length`, as the words plugin does), the classes are the
// sorted labels. One scan at load counts the lines, finds the labels and records the byte
// offset of every 1024th line, so a resumed run seeks straight to where it stopped.
//
//   sed 's/^/english\t/' /usr/share/dict/american-english > words.tsv
//   sed 's/^/french\t/' /usr/share/dict/french >> words.tsv
//   forge train --data lines --lines_path words.tsv --model gru
#include <forge/data.hpp>

#include "bounded_lines.hpp"

#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::text_flag("lines_path", "", "the file: one sample per line, LABEL<TAB>TEXT"),
      forge::integer_flag("test_every", 5, "every N-th line is a test sample (the others train)"),
      forge::integer_flag("max_length", 64, "bytes kept of a longer text"),
      forge::integer_flag("max_line_bytes", 1 << 20,
                          "refuse a file with a longer line (naming it): no line is ever held beyond this"),
  };
}

constexpr int64_t offset_every = 1024;  // lines between recorded byte offsets

// What one scan of the file found.
struct FileIndex {
  std::string path;
  int64_t lines = 0;
  std::vector<std::streamoff> offsets;  // of lines 0, 1024, 2048...
  std::map<std::string, int64_t> labels;
  size_t max_line_bytes = 0;
};

class LinesStream : public forge::Stream {
 public:
  LinesStream(std::shared_ptr<const FileIndex> index, bool test, int64_t every, int64_t max_length)
      : index_(std::move(index)), test_(test), every_(every), max_length_(max_length) {}

  int64_t samples_per_epoch() const override {
    const int64_t tests = index_->lines / every_;
    return test_ ? tests : index_->lines - tests;
  }

  void seek(int64_t /*epoch*/, int64_t position) override {
    position_ = position;
    const int64_t line = line_of(position);
    in_.close();
    in_.clear();
    in_.open(index_->path, std::ios::binary);
    if (!in_) throw std::runtime_error("cannot open " + index_->path);
    const int64_t mark = std::min<int64_t>(line / offset_every, int64_t(index_->offsets.size()) - 1);
    in_.seekg(index_->offsets[size_t(mark)]);
    line_ = mark * offset_every;
  }

  std::optional<forge::Example> next(forge::SampleContext& /*context*/) override {
    if (position_ >= samples_per_epoch()) return std::nullopt;
    const int64_t wanted = line_of(position_++);
    std::string line;
    while (line_ <= wanted) {
      const text::LineRead read = text::read_bounded_line(in_, line, index_->max_line_bytes);
      if (read == text::LineRead::end) throw std::runtime_error("the file ended early: was it changed?");
      if (read == text::LineRead::too_long)
        throw std::runtime_error("a line longer than --max_line_bytes: was the file changed?");
      ++line_;
    }
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) throw std::runtime_error("no TAB between label and text");
    auto label = index_->labels.find(line.substr(0, tab));
    if (label == index_->labels.end()) throw std::runtime_error("a label the scan did not see: was the file changed?");
    std::vector<int64_t> tokens;
    for (size_t i = tab + 1; i < line.size() && int64_t(tokens.size()) < max_length_; ++i)
      tokens.push_back(int64_t(static_cast<unsigned char>(line[i])) + 1);  // 0 pads
    if (tokens.empty()) throw std::runtime_error("no text after the label");
    return forge::Example{torch::tensor(tokens, torch::kInt64), torch::tensor(label->second, torch::kInt64)};
  }

  forge::Batch collate(std::vector<forge::Example>& examples) const override {
    forge::pad_field(examples, "inputs", 0, "length");
    return forge::stack_examples(examples);
  }

  std::string describe(int64_t position) const override {
    return index_->path + " line " + std::to_string(line_of(position) + 1);
  }

 private:
  // The file line (from 0) of this split's sample `position`.
  int64_t line_of(int64_t position) const {
    if (test_) return position * every_ + every_ - 1;
    return position / (every_ - 1) * every_ + position % (every_ - 1);
  }

  std::shared_ptr<const FileIndex> index_;
  bool test_;
  int64_t every_, max_length_;
  std::ifstream in_;
  int64_t position_ = 0;  // the next sample
  int64_t line_ = 0;      // the next line getline reads
};

FileIndex scan(const std::string& path, size_t max_line_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("--lines_path " + path + " cannot be opened");
  FileIndex index;
  index.path = path;
  index.max_line_bytes = max_line_bytes;
  std::set<std::string> labels;
  std::string line;
  for (std::streamoff offset = 0;; offset = in.tellg()) {
    const text::LineRead read = text::read_bounded_line(in, line, max_line_bytes);
    if (read == text::LineRead::end) break;
    if (read == text::LineRead::too_long)
      throw std::runtime_error(path + " line " + std::to_string(index.lines + 1) + " is longer than --max_line_bytes " +
                               std::to_string(max_line_bytes));
    if (index.lines % offset_every == 0) index.offsets.push_back(offset);
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0)
      throw std::runtime_error(path + " line " + std::to_string(index.lines + 1) + ": not LABEL<TAB>TEXT");
    labels.insert(line.substr(0, tab));
    ++index.lines;
  }
  for (const auto& label : labels) index.labels.emplace(label, int64_t(index.labels.size()));
  return index;
}

forge::DataMap load(const forge::Flags& flags) {
  const std::string path = flags.text("lines_path");
  if (path.empty()) throw std::invalid_argument("give --lines_path: a file of LABEL<TAB>TEXT lines");
  const int64_t every = flags.integer("test_every"), max_length = flags.integer("max_length");
  if (every < 2) throw std::invalid_argument("--test_every must be at least 2");
  if (max_length < 1) throw std::invalid_argument("--max_length must be at least 1");
  const int64_t max_line_bytes = flags.integer("max_line_bytes");
  if (max_line_bytes < 1) throw std::invalid_argument("--max_line_bytes must be at least 1");
  auto index = std::make_shared<const FileIndex>(scan(path, size_t(max_line_bytes)));
  if (index->labels.size() < 2) throw std::runtime_error(path + " has fewer than two labels");
  if (index->lines < every) throw std::runtime_error(path + " has fewer lines than --test_every");
  forge::DataMap data;
  data.datasets["train"] = forge::Dataset::of(std::make_shared<LinesStream>(index, false, every, max_length));
  data.datasets["test"] = forge::Dataset::of(std::make_shared<LinesStream>(index, true, every, max_length));
  std::vector<std::string> names;
  for (const auto& [name, id] : index->labels) names.push_back(name);
  data.values["num_classes"] = int64_t(names.size());
  data.values["class_names"] = names;
  data.values["vocab_size"] = int64_t{257};
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
