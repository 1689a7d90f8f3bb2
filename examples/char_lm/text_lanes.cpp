// Data plugin for the character language model (char_rnn.cpp): a text file's bytes as a stream
// of lanes for truncated backpropagation through time. The text is cut into as many lanes as a
// step has rows (the batch size times the data-parallel processes, which forge tells the stream
// through prepare()); sample p of an epoch is chunk p / rows of lane p % rows: `--bptt` bytes
// as inputs, the bytes one further as targets, and its lane as the field `lane`. So row r of
// every batch continues where row r of the one before stopped, and the model carries its
// recurrent state from batch to batch. The first 90% of the text is train, the rest test; a
// test lane's state carries too, so every process evaluates the whole of it
// (evaluated_in_shards false).
//
//   forge train --data examples/char_lm/text_lanes.cpp --model examples/char_lm/char_rnn.cpp
#include <forge/data.hpp>

#include <fstream>
#include <iterator>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {forge::text_flag("text_path", "/usr/share/common-licenses/GPL-3", "the text to learn (read whole)"),
          forge::integer_flag("bptt", 32, "bytes a sample holds: the steps backpropagation goes back")};
}

class TextLanes : public forge::Stream {
 public:
  TextLanes(std::shared_ptr<const std::string> text, int64_t bptt) : text_(std::move(text)), bptt_(bptt) {}

  void prepare(const forge::StreamReading& reading) override { rows_ = reading.batch_size * reading.world_size; }
  bool evaluated_in_shards() const override { return false; }

  // Whole steps only: every lane has as many chunks.
  int64_t samples_per_epoch() const override { return rows_ * chunks(); }

  void seek(int64_t /*epoch*/, int64_t position) override { position_ = position; }

  std::optional<forge::Example> next(forge::SampleContext&) override {
    if (position_ >= samples_per_epoch()) return std::nullopt;
    const int64_t lane = position_ % rows_, chunk = position_ / rows_;
    ++position_;
    const int64_t start = lane * lane_length() + chunk * bptt_;
    auto bytes = [&](int64_t from) {
      torch::Tensor out = torch::empty({bptt_}, torch::kInt64);
      for (int64_t i = 0; i < bptt_; ++i) out[i] = int64_t(static_cast<unsigned char>((*text_)[size_t(from + i)]));
      return out;
    };
    forge::Example example{bytes(start), bytes(start + 1)};
    example["lane"] = torch::tensor(lane);
    return example;
  }

  void skip(forge::SampleContext&) override { ++position_; }

 private:
  int64_t lane_length() const { return (int64_t(text_->size()) - 1) / rows_; }
  int64_t chunks() const { return lane_length() / bptt_; }

  std::shared_ptr<const std::string> text_;
  int64_t bptt_;
  int64_t rows_ = 1;
  int64_t position_ = 0;
};

forge::DataMap load(const forge::Flags& flags) {
  std::ifstream file(flags.text("text_path"), std::ios::binary);
  if (!file) throw std::invalid_argument("cannot read --text_path " + flags.text("text_path"));
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const int64_t bptt = flags.integer("bptt");
  if (bptt < 1) throw std::invalid_argument("--bptt must be at least 1");
  const size_t cut = text.size() * 9 / 10;
  if (int64_t(text.size() - cut) < 2 * bptt + 2) throw std::invalid_argument("--text_path is too short for --bptt");
  forge::DataMap data;
  data.datasets["train"] =
      forge::Dataset::of(std::make_shared<TextLanes>(std::make_shared<const std::string>(text.substr(0, cut)), bptt));
  data.datasets["test"] =
      forge::Dataset::of(std::make_shared<TextLanes>(std::make_shared<const std::string>(text.substr(cut)), bptt));
  data.values["vocab_size"] = int64_t(256);
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
