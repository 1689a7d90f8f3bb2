// Model plugin for the character language model (text_lanes.cpp): embedding, GRU, a linear
// layer over the next byte, trained by truncated backpropagation through time. The GRU's state
// is carried from batch to batch per lane (the `lane` field says which row continues which),
// detached at each batch's start; it is kept in every checkpoint (save_extra), so a stopped run
// resumes with it. A callback of the model's own starts the lanes afresh at each epoch's first
// batch and gives evaluations a carried state of their own, so evaluating mid-training disturbs
// nothing. (Data-parallel, each process carries its own lanes, and a checkpoint holds rank 0's:
// resume then is exact on one process only.)
#include <forge/callback.hpp>
#include <forge/model.hpp>

#include <cmath>

namespace {

struct CharRnnNet : torch::nn::Module {
  CharRnnNet(int64_t vocab, int64_t embedding, int64_t hidden, int64_t layers)
      : embed(register_module("embed", torch::nn::Embedding(vocab, embedding))),
        gru(register_module(
            "gru", torch::nn::GRU(torch::nn::GRUOptions(embedding, hidden).num_layers(layers).batch_first(true)))),
        head(register_module("head", torch::nn::Linear(hidden, vocab))) {}

  // Logits [batch, time, vocab] from bytes [batch, time], starting from `state` [layers, batch, hidden].
  std::tuple<torch::Tensor, torch::Tensor> forward(const torch::Tensor& bytes, const torch::Tensor& state) {
    auto [out, last] = gru->forward(embed(bytes), state);
    return {head(out), last};
  }

  torch::nn::Embedding embed;
  torch::nn::GRU gru;
  torch::nn::Linear head;
};

class CharRnn : public forge::Model {
 public:
  explicit CharRnn(std::shared_ptr<CharRnnNet> net)
      : forge::Model(net,
                     [net](const torch::Tensor& bytes) {
                       const auto& options = net->gru->options;
                       torch::Tensor zero = torch::zeros({options.num_layers(), bytes.size(0), options.hidden_size()});
                       return std::get<0>(net->forward(bytes, zero));
                     }),
        net_(std::move(net)) {}

  forge::StepOutput step(const forge::Batch& batch) override {
    const torch::Tensor& lanes = batch.field("lane");
    torch::Tensor& carried = evaluating_ ? evaluation_state_ : training_state_;
    grow(carried, lanes.max().item<int64_t>() + 1);
    auto [logits, last] = net_->forward(batch.inputs, carried.index_select(1, lanes));
    {
      torch::NoGradGuard no_grad;
      carried.index_copy_(1, lanes, last.detach());
    }
    torch::Tensor loss =
        torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), batch.targets.reshape(-1));
    const double value = loss.item<double>();
    const double accuracy = logits.argmax(-1).eq(batch.targets).to(torch::kFloat64).mean().item<double>();
    return {loss, {{"loss", value}, {"bits_per_byte", value / std::log(2.0)}, {"accuracy", accuracy}}, {}, {}};
  }

  std::vector<std::shared_ptr<forge::Metric>> eval_metrics() override { return {}; }
  forge::MainMetric main_metric() const override { return {"bits_per_byte", false}; }

  std::map<std::string, torch::Tensor> save_extra() override { return {{"carried", training_state_}}; }
  void load_extra(const std::map<std::string, torch::Tensor>& saved) override {
    auto found = saved.find("carried");
    if (found != saved.end()) training_state_ = found->second.clone();
  }

  std::vector<std::shared_ptr<forge::Callback>> callbacks() override;

  // The lanes start afresh: no state carried into them.
  void forget_training_lanes() { training_state_ = torch::Tensor(); }
  void begin_evaluation() {
    evaluating_ = true;
    evaluation_state_ = torch::Tensor();
  }
  void end_evaluation() { evaluating_ = false; }

 private:
  // Zeros for lanes not seen yet.
  void grow(torch::Tensor& state, int64_t lanes) const {
    const auto& options = net_->gru->options;
    if (state.defined() && state.size(1) >= lanes) return;
    torch::Tensor grown = torch::zeros({options.num_layers(), lanes, options.hidden_size()});
    if (state.defined()) grown.slice(1, 0, state.size(1)).copy_(state);
    state = grown;
  }

  std::shared_ptr<CharRnnNet> net_;
  torch::Tensor training_state_, evaluation_state_;
  bool evaluating_ = false;
};

class Lanes : public forge::Callback {
 public:
  explicit Lanes(CharRnn& model) : model_(model) {}
  std::string name() const override { return "lanes"; }

  void on_epoch_start(forge::Loop& loop, const std::string& split) override {
    if (split != "train")
      model_.begin_evaluation();
    else if (loop.batch() == 0)  // not a resumed epoch: that one continues its lanes
      model_.forget_training_lanes();
  }
  void on_epoch_end(forge::Loop&, const std::string& split, const std::map<std::string, double>&) override {
    if (split != "train") model_.end_evaluation();
  }

 private:
  CharRnn& model_;
};

std::vector<std::shared_ptr<forge::Callback>> CharRnn::callbacks() { return {std::make_shared<Lanes>(*this)}; }

std::vector<forge::FlagSpec> flags() {
  return {forge::integer_flag("embedding", 32, "embedding width"), forge::integer_flag("hidden", 128, "GRU width"),
          forge::integer_flag("layers", 1, "GRU layers")};
}

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  auto net = std::make_shared<CharRnnNet>(data.value<int64_t>("vocab_size"), flags.integer("embedding"),
                                          flags.integer("hidden"), flags.integer("layers"));
  return std::make_shared<CharRnn>(net);
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
