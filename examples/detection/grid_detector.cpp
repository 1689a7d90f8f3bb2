// Model plugin for the detection example (squares.cpp): a small convolutional net that scores
// each cell of an 8x8 grid for holding a square's centre and regresses that square's box, and
// its whole-set metric, the exact average precision at IoU 0.5 (VOC's all-point AP of the one
// class). The metric sees the whole batch (the padded `boxes` and their `box_count`), keeps every
// prediction's score and whether it matched, and those lists are concatenated over data-parallel
// processes rather than summed: two processes report exactly what one does.
#include <forge/model.hpp>

#include <algorithm>
#include <numeric>

namespace {

constexpr int64_t cell = 4, grid = 8;  // 32 pixels: an 8x8 grid of 4-pixel cells
constexpr double box_scale = 10;       // sides are regressed in tens of pixels

// Boxes [n, 4] (x0, y0, x1, y1) and scores [n] of one image's grid [5, grid, grid], best first.
std::pair<torch::Tensor, torch::Tensor> decode(const torch::Tensor& cells, double threshold, int64_t keep) {
  const torch::Tensor score = torch::sigmoid(cells[0]).reshape(-1);
  const torch::Tensor column = torch::arange(grid).repeat({grid}), row = torch::arange(grid).repeat_interleave(grid);
  const torch::Tensor cx = (column + torch::sigmoid(cells[1]).reshape(-1)) * cell;
  const torch::Tensor cy = (row + torch::sigmoid(cells[2]).reshape(-1)) * cell;
  const torch::Tensor w = cells[3].reshape(-1) * box_scale, h = cells[4].reshape(-1) * box_scale;
  torch::Tensor boxes = torch::stack({cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, 1);
  torch::Tensor order = std::get<1>(score.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  order = order.slice(0, 0, keep);
  order = order.index({score.index_select(0, order) >= threshold});
  return {boxes.index_select(0, order), score.index_select(0, order)};
}

double iou(const float* a, const float* b) {
  const double w = std::min(a[2], b[2]) - std::max(a[0], b[0]), h = std::min(a[3], b[3]) - std::max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const double both = w * h;
  return both / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - both);
}

class AveragePrecision : public forge::Metric {
 public:
  void update(const forge::NamedOutputs& outputs, const forge::Batch& batch) override {
    const torch::Tensor grids = outputs.at("outputs").to(torch::kCPU, torch::kFloat32);
    const torch::Tensor truth = batch.field("boxes").to(torch::kCPU, torch::kFloat32).contiguous();
    const torch::Tensor counts = batch.field("box_count").to(torch::kCPU);
    std::vector<double> scores, hits;
    for (int64_t b = 0; b < grids.size(0); ++b) {
      auto [boxes, score] = decode(grids[b], 0.05, 10);
      boxes = boxes.contiguous();
      const int64_t count = counts[b].item<int64_t>();
      std::vector<bool> taken(size_t(count), false);
      for (int64_t p = 0; p < boxes.size(0); ++p) {
        int64_t best = -1;
        double best_iou = 0.5;
        for (int64_t g = 0; g < count; ++g) {
          const double overlap = iou(boxes[p].data_ptr<float>(), truth[b][g].data_ptr<float>());
          if (!taken[size_t(g)] && overlap >= best_iou) best = g, best_iou = overlap;
        }
        if (best >= 0) taken[size_t(best)] = true;
        scores.push_back(score[p].item<double>());
        hits.push_back(best >= 0 ? 1.0 : 0.0);
      }
      boxes_ += double(count);
    }
    scores_ = torch::cat({scores_, torch::tensor(scores, torch::kFloat64)});
    hits_ = torch::cat({hits_, torch::tensor(hits, torch::kFloat64)});
  }

  // The number of true boxes adds up over ranks; the predictions are concatenated.
  std::vector<torch::Tensor> state() override { return {boxes_total_ = torch::tensor({boxes_}, torch::kFloat64)}; }
  void concatenate_ranks(const std::function<torch::Tensor(const torch::Tensor&)>& concatenated) override {
    boxes_ = boxes_total_.item<double>();
    scores_ = concatenated(scores_);
    hits_ = concatenated(hits_);
  }

  // Predictions best first (ties: in the order they were made); precision made non-increasing
  // from the end; AP the sum of that precision at each true positive over the true boxes.
  std::map<std::string, double> compute() const override {
    if (boxes_ == 0) return {};
    const int64_t n = scores_.size(0);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const double* score = scores_.data_ptr<double>();
    const double* hit = hits_.data_ptr<double>();
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score[a] > score[b]; });
    std::vector<double> precision(order.size());
    double found = 0;
    for (size_t k = 0; k < order.size(); ++k) precision[k] = (found += hit[order[k]]) / double(k + 1);
    for (size_t k = order.size(); k-- > 1;) precision[k - 1] = std::max(precision[k - 1], precision[k]);
    double ap = 0;
    for (size_t k = 0; k < order.size(); ++k)
      if (hit[order[k]] > 0) ap += precision[k];
    return {{"ap50", ap / boxes_}, {"recall50", found / boxes_}, {"predictions", double(n)}};
  }

 private:
  double boxes_ = 0;
  torch::Tensor boxes_total_;
  torch::Tensor scores_ = torch::empty({0}, torch::kFloat64), hits_ = torch::empty({0}, torch::kFloat64);
};

struct GridNet : torch::nn::Module {
  GridNet()
      : body(register_module(
            "body", torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).padding(1)),
                                          torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).padding(1)),
                                          torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                                          torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 32, 3).padding(1)),
                                          torch::nn::ReLU(), torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 5, 1))))) {}
  torch::nn::Sequential body;
};

class GridDetector : public forge::Model {
 public:
  explicit GridDetector(std::shared_ptr<GridNet> net)
      : forge::Model(net, [net](const torch::Tensor& x) { return net->body->forward(x); }) {}

  forge::StepOutput step(const forge::Batch& batch) override {
    const torch::Tensor out = forward(batch.inputs);  // [B, 5, grid, grid]
    const auto [objectness, boxes, positive] = cell_targets(batch);
    const torch::Tensor object_loss =
        torch::nn::functional::binary_cross_entropy_with_logits(out.select(1, 0), objectness);
    const torch::Tensor predicted = torch::cat({torch::sigmoid(out.slice(1, 1, 3)), out.slice(1, 3, 5)}, 1);
    const torch::Tensor mask = positive.unsqueeze(1).expand_as(predicted);
    const torch::Tensor box_loss = positive.any().item<bool>()
                                       ? torch::l1_loss(predicted.masked_select(mask), boxes.masked_select(mask))
                                       : predicted.sum() * 0;
    const torch::Tensor loss = object_loss + box_loss;
    return {loss,
            {{"loss", loss.item<double>()},
             {"object_loss", object_loss.item<double>()},
             {"box_loss", box_loss.item<double>()}},
            out.detach(),
            {}};
  }

  std::vector<std::shared_ptr<forge::Metric>> eval_metrics() override { return {std::make_shared<AveragePrecision>()}; }
  forge::MainMetric main_metric() const override { return {"ap50", true}; }

 private:
  // Per cell: 1 where a square's centre falls, and that square's (x, y) offset in the cell and
  // sides; `positive` marks those cells.
  static std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> cell_targets(const forge::Batch& batch) {
    const int64_t n = batch.inputs.size(0);
    torch::Tensor objectness = torch::zeros({n, grid, grid}), boxes = torch::zeros({n, 4, grid, grid});
    const torch::Tensor truth = batch.field("boxes").to(torch::kCPU, torch::kFloat32);
    const torch::Tensor counts = batch.field("box_count").to(torch::kCPU);
    auto object = objectness.accessor<float, 3>();
    auto box = boxes.accessor<float, 4>();
    auto t = truth.accessor<float, 3>();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t g = 0; g < counts[b].item<int64_t>(); ++g) {
        const float cx = (t[b][g][0] + t[b][g][2]) / 2, cy = (t[b][g][1] + t[b][g][3]) / 2;
        const int64_t column = std::min<int64_t>(grid - 1, int64_t(cx / cell));
        const int64_t row = std::min<int64_t>(grid - 1, int64_t(cy / cell));
        object[b][row][column] = 1;
        box[b][0][row][column] = cx / cell - float(column);
        box[b][1][row][column] = cy / cell - float(row);
        box[b][2][row][column] = (t[b][g][2] - t[b][g][0]) / float(box_scale);
        box[b][3][row][column] = (t[b][g][3] - t[b][g][1]) / float(box_scale);
      }
    const torch::Device device = batch.inputs.device();
    return {objectness.to(device), boxes.to(device), objectness.to(device).gt(0)};
  }
};

std::vector<forge::FlagSpec> flags() { return {}; }

std::shared_ptr<forge::Model> load(const forge::Flags&, const forge::DataMap&) {
  return std::make_shared<GridDetector>(std::make_shared<GridNet>());
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
