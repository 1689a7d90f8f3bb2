// Model plugin: a sequence classifier for padded token batches (the words plugin's): an
// embedding, a bidirectional GRU that reads each sequence only up to its length (packed, so
// padding changes nothing), and a linear layer over the two directions' final states. The
// lengths come from the batch's `length` field; a batch without one (forge export's users,
// calling forward on tokens alone) counts the tokens that are not 0.
#include <forge/model.hpp>

namespace {

std::vector<forge::FlagSpec> flags() {
  return {
      forge::integer_flag("embedding", 64, "size of each token's embedding"),
      forge::integer_flag("hidden", 128, "GRU state size per direction"),
      forge::integer_flag("layers", 1, "stacked GRU layers"),
  };
}

struct GruNetImpl : torch::nn::Module {
  GruNetImpl(int64_t vocabulary, int64_t embedding, int64_t hidden, int64_t layers, int64_t classes)
      : embed(register_module("embed",
                              torch::nn::Embedding(torch::nn::EmbeddingOptions(vocabulary, embedding).padding_idx(0)))),
        gru(register_module(
            "gru",
            torch::nn::GRU(
                torch::nn::GRUOptions(embedding, hidden).num_layers(layers).batch_first(true).bidirectional(true)))),
        out(register_module("out", torch::nn::Linear(2 * hidden, classes))) {}

  torch::Tensor forward(const torch::Tensor& tokens, torch::Tensor lengths = {}) {
    if (!lengths.defined()) lengths = tokens.ne(0).sum(1);
    lengths = lengths.to(torch::kCPU, torch::kInt64).clamp_min(1);
    auto packed = torch::nn::utils::rnn::pack_padded_sequence(embed(tokens), lengths, /*batch_first=*/true,
                                                              /*enforce_sorted=*/false);
    torch::Tensor state = std::get<1>(gru->forward_with_packed_input(packed));  // [layers * 2, batch, hidden]
    const int64_t n = state.size(0);
    return out(torch::cat({state[n - 2], state[n - 1]}, 1));
  }

  torch::nn::Embedding embed;
  torch::nn::GRU gru;
  torch::nn::Linear out;
};
TORCH_MODULE(GruNet);

class GruClassifier : public forge::Model {
 public:
  explicit GruClassifier(GruNet net)
      : forge::Model(net.ptr(), [net](const torch::Tensor& tokens) mutable { return net->forward(tokens); }),
        net_(net) {}

  forge::StepOutput step(const forge::Batch& batch) override {
    torch::Tensor lengths = batch.has("length") ? batch.field("length") : torch::Tensor();
    return classification_output(net_->forward(batch.inputs, lengths), batch.targets);
  }

 private:
  GruNet net_;
};

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  const int64_t embedding = flags.integer("embedding"), hidden = flags.integer("hidden"),
                layers = flags.integer("layers");
  if (embedding < 1 || hidden < 1 || layers < 1)
    throw std::invalid_argument("--embedding, --hidden and --layers must be at least 1");
  return std::make_shared<GruClassifier>(
      GruNet(data.value<int64_t>("vocab_size"), embedding, hidden, layers, data.output_size()));
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
