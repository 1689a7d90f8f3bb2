#include "app/train_flags.hpp"

namespace forge {

std::vector<FlagSpec> train_flags() {
  return {
      text_flag(
          "data", "",
          "data plugin: a built-in name (mnist, synthetic, csv, images, words, lines), a .so, or a .cpp to compile"),
      text_flag("model", "", "model plugin: a built-in name (mlp, cnn, gan, gru), a .so, or a .cpp to compile"),
      text_flag("config", "", "config file of flag values (name = value lines); command-line flags win"),
      text_flag("checkpoint_dir", "checkpoints", "folder that holds the runs"),
      text_flag("run_name", "", "runs go to <checkpoint_dir>/<run_name>/<N> (default: <data>_<model>)"),
      text_flag("run_dir", "", "train in this folder instead: start a run there, or resume the one it holds"),
      integer_flag("epochs", 5, "epochs to train"),
      integer_flag("max_steps", 0, "train this many optimizer steps instead of --epochs (0: --epochs decides)"),
      integer_flag("batch_size", 32, "mini-batch size"),
      integer_flag("eval_batch_size", 0,
                   "evaluation batch size (0: --batch_size); data-parallel, per process as --batch_size"),
      bool_flag("drop_last", false,
                "leave out each epoch's last batch when it is shorter than the others (not when the data plans its "
                "batches itself)"),
      integer_flag("accumulate", 1, "mini-batches whose gradients add up to one optimizer step"),
      text_flag("optimizer", "adam", "sgd | adam | adamw | rmsprop"),
      real_flag("lr", "0.001", "learning rate (the peak rate of a schedule)"),
      real_flag("momentum", "0", "momentum (sgd, rmsprop)"),
      real_flag("weight_decay", "0", "weight decay"),
      bool_flag("no_decay_bias_norm", false,
                "no weight decay on biases and normalisation weights (parameters of fewer than two dimensions)"),
      text_flag("precision", "fp32",
                "fp32 | bf16 | fp16: mixed precision, autocast around forward and loss (bf16: CPU and CUDA; fp16: "
                "CUDA, with a dynamic loss scale)"),
      bool_flag("channels_last", false,
                "lay the model's 4-D parameters out channels-last (NHWC): faster convolutions on the CPU and CUDA; "
                "its forward must reshape, not view(), what its convolutions give"),
      real_flag("clip_grad_norm", "0", "clip the gradients' global L2 norm to this (0: no clipping)"),
      text_flag("lr_schedule", "constant", "constant | step | cosine | onecycle (rates by optimizer step)"),
      integer_flag("warmup_steps", 0, "linear warm-up steps (onecycle: its rise, default 30% of the run)"),
      integer_flag("lr_step_size", 0, "step schedule: multiply the rate by --lr_gamma every N steps (0: every epoch)"),
      real_flag("lr_gamma", "0.1", "step schedule: the factor"),
      real_flag("min_lr", "0", "cosine and onecycle: the final rate"),
      real_flag("ema_decay", "0",
                "keep an exponential moving average of the weights (e.g. 0.999), evaluated and exported (--ema) "
                "instead of them (0: none)"),
      text_flag("init_from", "",
                "fine-tune: start from a forge run's weights, RUN_DIR[:CHECKPOINT] (a step or best; default newest)"),
      text_flag("init_weights", "",
                "fine-tune: start from a weights file (a forge export or a state_dict saved by torch.save)"),
      bool_flag("init_strict", false, "the initial weights must name every tensor of the model, and nothing else"),
      text_flag("init_rename", "",
                "rename the initial weights before matching: OLD=NEW pairs, comma-separated, each a name or a "
                "prefix ending at a dot (fc=head renames fc.weight to head.weight; =backbone. prefixes every name)"),
      bool_flag("init_skip_mismatched", false,
                "leave tensors whose initial weights have another shape as the model initialised them (a new head), "
                "logging each, instead of refusing"),
      text_flag("freeze", "",
                "train none of these parameters or modules (comma-separated names, e.g. features,classifier.0)"),
      real_flag("valid_fraction", "0", "carve this fraction of train into a seeded 'valid' set, evaluated each epoch"),
      integer_flag("eval_every_steps", 0, "also evaluate 'valid' (and checkpoint) every N steps (0: at epoch ends)"),
      integer_flag("eval_test_every", 0, "also evaluate 'test' every N epochs (0: only at the end of the run)"),
      text_flag("early_stopping", "",
                "end the run when a metric stops improving: split[/metric:min|max][:patience[:min_delta]], e.g. "
                "valid/loss:min:5"),
      text_flag("keep_best", "",
                "also keep the best checkpoint by split[/metric:min|max], e.g. valid/accuracy:max (valid alone: the "
                "model's metric)"),
      integer_flag("seed", -1, "seed of every generator forge and the plugins use (-1: draw one, print and record it)"),
      bool_flag("deterministic", false, "ask libtorch for deterministic algorithms (an error where an op has none)"),
      text_flag("device", "cpu", "cpu | cuda | cuda:N (cuda: cuda:LOCAL_RANK, each data-parallel process its own GPU)"),
      integer_flag("threads", 0, "CPU threads libtorch uses (0: libtorch's default)"),
      integer_flag("workers", -1,
                   "threads that load batches of a data plugin's sources ahead of training (0: the training thread "
                   "itself; -1: one per core, at most 4); any value gives the same batches"),
      integer_flag("prefetch", 2, "batches each loader worker may have ready ahead (memory holds workers x prefetch)"),
      real_flag("sample_timeout", "600",
                "seconds a loader worker may take over one sample before the run checkpoints and stops naming it "
                "(a stalled network file system)"),
      bool_flag("skip_bad_samples", false,
                "leave out a sample its source cannot make (a corrupt image), log it and count it as bad_samples, "
                "instead of stopping the run"),
      integer_flag("log_every", 100, "log a line and record the train metrics and steps/s at every N-th step"),
      bool_flag("no_progress", false, "no progress bar on a terminal (the log lines of --log_every instead)"),
      integer_flag("checkpoint_every", 0, "also checkpoint every N steps (0: only at the end of each epoch)"),
      integer_flag("keep_checkpoints", 3, "keep the newest K checkpoints (0: all)"),
      bool_flag("async_checkpoint", true,
                "write checkpoints while training goes on (it waits only for a copy of the state in memory)"),
      integer_flag("stop_after_steps", 0, "stop as if interrupted once this many steps are done (0: never)"),
      integer_flag("stop_after_epochs", 0,
                   "stop as if interrupted at the end of this epoch, after its evaluation and checkpoint (0: never); "
                   "a search's rungs"),
      bool_flag("force", false, "resume even when the run's plugins, libtorch or exactness-breaking flags changed"),
      bool_flag("flush_denormal", true, "flush denormal floats to zero (much faster optimizer steps on x86)"),
      integer_flag("nproc_per_node", 1, "data-parallel: worker processes on this node (--batch_size is per process)"),
      integer_flag("nnodes", 1, "data-parallel: nodes taking part (each runs forge with its --node_rank)"),
      integer_flag("node_rank", 0, "data-parallel: this node's number, 0 to --nnodes - 1"),
      text_flag("master_addr", "127.0.0.1", "data-parallel: address of rank 0's node, where the workers meet"),
      integer_flag("master_port", 0,
                   "data-parallel: port of the rendezvous on --master_addr (0: a free one; one node only)"),
      integer_flag("max_restarts", 0,
                   "data-parallel: when a worker dies, stop the others and start the group again from the newest "
                   "checkpoint, up to K times (forge's launcher)"),
      integer_flag("dist_timeout", 60,
                   "data-parallel: seconds to wait for every rank to arrive, and for each exchange"),
      text_flag("dist_backend", "auto",
                "data-parallel: nccl | gloo | auto (NCCL on a GPU when this libtorch has it, else Gloo)"),
      text_flag("tracking_uri", "",
                "MLflow server (http[s]://host:port) the run is sent to as it trains (\"\": MLFLOW_TRACKING_URI's; "
                "off: none)"),
  };
}

FlagSet forge_flag_set() {
  FlagSet set;
  set.declare(train_flags(), "forge");
  return set;
}

}  // namespace forge
