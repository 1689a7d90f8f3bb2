// Model plugin: a small DCGAN for 1- or 3-channel images whose sides are multiples of 4 (the
// `mnist` data: Fashion-MNIST). Two optimizers, stepped by the model itself each step (manual
// optimization): the discriminator on real and generated images, then the generator against
// it. At each epoch's end it draws a grid of 64 samples from fixed noise (images/samples/ in
// the run folder). Suggested: --lr 0.0002 --batch_size 64.
#include <forge/image_grid.hpp>
#include <forge/model.hpp>

namespace {

using namespace torch::nn;

std::vector<forge::FlagSpec> flags() {
  return {
      forge::integer_flag("latent", 64, "size of the generator's noise vector"),
      forge::integer_flag("width", 32, "channels of the discriminator's first convolution (the networks' width)"),
  };
}

struct Shape {
  int64_t channels, height, width;
};

Sequential make_generator(const Shape& s, int64_t latent, int64_t w) {
  return Sequential(Linear(latent, 2 * w * (s.height / 4) * (s.width / 4)),
                    Unflatten(UnflattenOptions(1, {2 * w, s.height / 4, s.width / 4})), BatchNorm2d(2 * w), ReLU(),
                    ConvTranspose2d(ConvTranspose2dOptions(2 * w, w, 4).stride(2).padding(1).bias(false)),
                    BatchNorm2d(w), ReLU(),
                    ConvTranspose2d(ConvTranspose2dOptions(w, s.channels, 4).stride(2).padding(1)), Tanh());
}

Sequential make_discriminator(const Shape& s, int64_t w) {
  return Sequential(
      Conv2d(Conv2dOptions(s.channels, w, 4).stride(2).padding(1)), LeakyReLU(LeakyReLUOptions().negative_slope(0.2)),
      Conv2d(Conv2dOptions(w, 2 * w, 4).stride(2).padding(1).bias(false)), BatchNorm2d(2 * w),
      LeakyReLU(LeakyReLUOptions().negative_slope(0.2)), Flatten(), Linear(2 * w * (s.height / 4) * (s.width / 4), 1));
}

class Gan : public forge::Model {
 public:
  Gan(std::shared_ptr<Module> root, Sequential generator, Sequential discriminator, int64_t latent, double pixel_mean,
      double pixel_std)
      : Model(root, [discriminator](const torch::Tensor& x) mutable { return discriminator->forward(x); }),
        generator_(generator),
        discriminator_(discriminator),
        latent_(latent),
        pixel_mean_(pixel_mean),
        pixel_std_(pixel_std) {
    // Drawn once from the run's seed: every epoch's samples come from the same noise.
    sample_noise_ = root->register_buffer("sample_noise", torch::randn({64, latent}));
    set_main_metric("g_loss", false);
  }

  std::vector<forge::OptimizerSpec> configure_optimizers() override {
    forge::OptimizerSpec generator, discriminator;
    generator.name = "generator";
    discriminator.name = "discriminator";
    generator.algorithm = discriminator.algorithm = "adam";
    generator.betas = discriminator.betas = std::make_pair(0.5, 0.999);
    generator.groups = {{generator_->parameters()}};
    discriminator.groups = {{discriminator_->parameters()}};
    return {generator, discriminator};
  }

  bool manual_optimization() const override { return true; }

  forge::StepOutput manual_step(const forge::Batch& batch, forge::StepControl& control) override {
    torch::Tensor real = to_tanh_range(batch.inputs);
    torch::Tensor fake = generator_->forward(torch::randn({real.size(0), latent_}, real.options()));
    // The discriminator: real as real, generated as generated.
    control.zero_grad("discriminator");
    torch::Tensor on_real = discriminator_->forward(real), on_fake = discriminator_->forward(fake.detach());
    torch::Tensor d_loss = bce(on_real, 1.0) + bce(on_fake, 0.0);
    control.backward(d_loss);
    control.step("discriminator");
    // The generator: its images taken for real.
    control.zero_grad("generator");
    torch::Tensor g_loss = bce(discriminator_->forward(fake), 1.0);
    control.backward(g_loss);
    control.step("generator");
    return metrics(d_loss, g_loss, on_real, on_fake);
  }

  // The same losses on held-out images, against noise from a fixed seed: comparable epoch to epoch.
  forge::StepOutput eval_step(const forge::Batch& batch) override {
    torch::Tensor real = to_tanh_range(batch.inputs);
    auto generator = at::detail::createCPUGenerator(1);
    torch::Tensor noise = torch::randn({real.size(0), latent_}, generator).to(real.device());
    torch::Tensor fake = generator_->forward(noise);
    torch::Tensor on_real = discriminator_->forward(real), on_fake = discriminator_->forward(fake);
    return metrics(bce(on_real, 1.0) + bce(on_fake, 0.0), bce(on_fake, 1.0), on_real, on_fake);
  }

  std::map<std::string, torch::Tensor> epoch_images() override {
    return {{"samples", forge::image_grid((generator_->forward(sample_noise_) + 1) / 2, 8)}};
  }

 private:
  // The data's inputs back to pixels in [0, 1], then to the generator's [-1, 1].
  torch::Tensor to_tanh_range(const torch::Tensor& inputs) const { return (inputs * pixel_std_ + pixel_mean_) * 2 - 1; }

  static torch::Tensor bce(const torch::Tensor& logits, double target) {
    return functional::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
  }

  static forge::StepOutput metrics(const torch::Tensor& d_loss, const torch::Tensor& g_loss,
                                   const torch::Tensor& on_real, const torch::Tensor& on_fake) {
    return {d_loss + g_loss,
            {{"d_loss", d_loss.item<double>()},
             {"g_loss", g_loss.item<double>()},
             {"d_real", torch::sigmoid(on_real).mean().item<double>()},
             {"d_fake", torch::sigmoid(on_fake).mean().item<double>()}}};
  }

  Sequential generator_, discriminator_;
  int64_t latent_;
  double pixel_mean_, pixel_std_;
  torch::Tensor sample_noise_;
};

std::shared_ptr<forge::Model> load(const forge::Flags& flags, const forge::DataMap& data) {
  auto shape = data.value<std::vector<int64_t>>("input_shape");
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3) || shape[1] % 4 != 0 || shape[2] % 4 != 0)
    throw std::invalid_argument("gan needs images of shape [1 or 3, height, width] with sides divisible by 4");
  const int64_t latent = flags.integer("latent"), width = flags.integer("width");
  if (latent < 1 || width < 1) throw std::invalid_argument("--latent and --width must be at least 1");
  const double mean = data.values.count("pixel_mean") ? data.value<double>("pixel_mean") : 0.0;
  const double std = data.values.count("pixel_std") ? data.value<double>("pixel_std") : 1.0;
  const Shape s{shape[0], shape[1], shape[2]};
  auto root = std::make_shared<Module>("gan");
  auto generator = root->register_module("generator", make_generator(s, latent, width));
  auto discriminator = root->register_module("discriminator", make_discriminator(s, width));
  return std::make_shared<Gan>(root, generator, discriminator, latent, mean, std);
}

}  // namespace

FORGE_MODEL_PLUGIN(flags, load)
