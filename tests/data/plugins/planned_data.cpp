// A data plugin whose training batches are planned by the plugin (forge/batch_plan.hpp), made
// wrong on purpose by --plan: `growing` (each epoch has more batches than the one before),
// `outside` (an index beyond the split), `stream` (a planner on a stream, which takes none), or
// `classes` (class-balanced batches: a plan that works).
#include <forge/data.hpp>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {forge::text_flag("plan", "classes", "classes | growing | outside | stream")};
}

class Counting : public forge::Stream {
 public:
  int64_t samples_per_epoch() const override { return 16; }
  void seek(int64_t, int64_t position) override { position_ = position; }
  std::optional<forge::Example> next(forge::SampleContext&) override {
    if (position_ >= 16) return std::nullopt;
    const float x = float(position_++);
    return forge::Example{torch::tensor({x, -x}), torch::tensor(int64_t(x) % 2)};
  }

 private:
  int64_t position_ = 0;
};

forge::DataMap load(const forge::Flags& flags) {
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({64, 2});
  const torch::Tensor y = (x.select(1, 0) > 0).to(torch::kInt64);
  forge::DataMap data;
  data.datasets["train"] = {x, y};
  data.datasets["test"] = {x.slice(0, 0, 16), y.slice(0, 0, 16)};
  data.values["num_classes"] = int64_t(2);
  data.values["input_shape"] = std::vector<int64_t>{2};
  const std::string plan = flags.text("plan");
  auto& train = data.datasets["train"];
  if (plan == "classes") {
    train.planner = forge::class_balanced_batches(std::vector<int64_t>(y.data_ptr<int64_t>(), y.data_ptr<int64_t>() + 64));
  } else if (plan == "growing") {
    struct Growing : forge::BatchPlanner {
      std::vector<torch::Tensor> plan(const forge::PlanContext& c) const override {
        return forge::cut_into_batches(torch::arange(std::min<int64_t>(c.samples, 8 * c.epoch)), 8, false);
      }
    };
    train.planner = std::make_shared<Growing>();
  } else if (plan == "outside") {
    struct Outside : forge::BatchPlanner {
      std::vector<torch::Tensor> plan(const forge::PlanContext& c) const override {
        return {torch::arange(c.samples - 2, c.samples + 2)};
      }
    };
    train.planner = std::make_shared<Outside>();
  } else if (plan == "stream") {
    data.datasets["train"] = forge::Dataset::of(std::make_shared<Counting>());
    data.datasets["train"].planner = forge::sequential_batches();
  } else {
    throw std::invalid_argument("--plan must be classes, growing, outside or stream");
  }
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
