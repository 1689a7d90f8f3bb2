// Making a Batch of Examples (forge/sample.hpp): the default stacks every field, which needs
// equal shapes; `pad_field` first pads a field of different lengths (words, sentences) to the
// longest and records the lengths. A source (forge/source.hpp) overrides Source::collate to
// use it:
//
//   forge::Batch collate(std::vector<forge::Example>& examples) const override {
//     forge::pad_field(examples, "inputs", /*pad=*/0, "length");
//     return forge::stack_examples(examples);
//   }
#pragma once

#include <forge/batch.hpp>
#include <forge/sample.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace forge {

namespace detail {
inline std::string shape_text(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}
// An example by its sample index when the loader set it, else by its place in the batch.
inline std::string example_name(const std::vector<Example>& examples, size_t i) {
  if (examples[i].index >= 0) return "sample " + std::to_string(examples[i].index);
  return "the batch's example " + std::to_string(i);
}

// The batches this thread stacked lately, handed out again once nobody else holds them. A batch
// of 256 photos is 150 MB; memory that size is fresh from the kernel every time it is allocated,
// and its page faults cost more than the copy into it. A worker thread has a few batches out at
// once (those waiting for the model), so a few are kept; they go with the thread.
class BatchMemory {
 public:
  torch::Tensor take(at::IntArrayRef sizes, const torch::TensorOptions& options) {
    for (torch::Tensor& kept : kept_)
      if (kept.storage().use_count() == 1 && kept.sizes() == sizes && kept.dtype() == options.dtype())
        return alias(kept);
    torch::Tensor fresh = torch::empty(sizes, options);
    if (fresh.nbytes() < kWorthKeeping) return fresh;
    if (kept_.size() == kKept) kept_.erase(kept_.begin());
    kept_.push_back(fresh);
    return alias(fresh);
  }

 private:
  // A tensor of its own over the kept one's memory: whatever its holder does to it (a view, a
  // resize, requires_grad) leaves the kept one as it was; the memory is free again when the
  // storage has no holder but the kept tensor.
  static torch::Tensor alias(const torch::Tensor& kept) {
    return torch::empty({0}, kept.options()).set_(kept.storage(), kept.storage_offset(), kept.sizes(), kept.strides());
  }

  static constexpr size_t kKept = 4;
  static constexpr size_t kWorthKeeping = size_t(1) << 20;  // smaller ones come from malloc's free lists
  std::vector<torch::Tensor> kept_;
};

inline BatchMemory& batch_memory() {
  static thread_local BatchMemory memory;
  return memory;
}

// The batch a loader thread is making, laid out before its examples are: example_memory hands
// each example a slot of one batch-sized tensor, in order, and stack_examples finds the slots
// side by side and takes the tensor as the batch instead of copying them into another (for 256
// photos, 150 MB a batch). The thread makes a batch's examples one after the other, then stacks
// them; the number of slots is the size of the batch it stacked last, so its first batch, and
// the first after a batch of another size (the epoch's last, an evaluation's), is copied.
class ExampleSlots {
 public:
  torch::Tensor take(at::IntArrayRef sizes, const torch::TensorOptions& options) {
    const bool fits = slots_ > 0 && options.device().is_cpu() && !options.requires_grad() &&
                      (!block_.defined() ||
                       (next_ < slots_ && block_.sizes().slice(1) == sizes && block_.dtype() == options.dtype()));
    if (!fits) return torch::empty(sizes, options);
    if (!block_.defined()) {
      std::vector<int64_t> all{slots_};
      all.insert(all.end(), sizes.begin(), sizes.end());
      block_ = batch_memory().take(all, options);
      next_ = 0;
    }
    return block_.select(0, next_++);
  }

  // The parts as one batch tensor without a copy when they are this block's slots, side by side
  // and in order; else undefined. (Parts that merely lie side by side elsewhere — rows of a
  // source's own dataset tensor — are copied: a batch must not alias the data it came from.)
  torch::Tensor stacked_in_place(const std::vector<torch::Tensor>& parts) const {
    if (!block_.defined()) return {};
    const torch::Tensor& first = parts.front();
    const int64_t step = first.numel();
    for (size_t i = 0; i < parts.size(); ++i) {
      const torch::Tensor& part = parts[i];
      if (!part.has_storage() || !part.is_contiguous() ||
          part.storage().unsafeGetStorageImpl() != block_.storage().unsafeGetStorageImpl() ||
          part.storage_offset() != first.storage_offset() + int64_t(i) * step)
        return {};
    }
    std::vector<int64_t> sizes{int64_t(parts.size())};
    for (int64_t size : first.sizes()) sizes.push_back(size);
    return torch::empty({0}, first.options()).set_(first.storage(), first.storage_offset(), sizes);
  }

  // A batch of `count` examples was stacked: the next one gets a block of its own, that size (the
  // largest so far would make a training thread that also evaluates lay out every batch at the
  // evaluation's size).
  void stacked(int64_t count) {
    slots_ = count;
    block_ = torch::Tensor();
  }

 private:
  int64_t slots_ = 0, next_ = 0;
  torch::Tensor block_;
};

inline ExampleSlots& example_slots() {
  static thread_local ExampleSlots slots;
  return slots;
}
}  // namespace detail

// Memory for a field of the example a source's `get` is making (uninitialised, like
// torch::empty): fill it and return it in the Example. When every example of a batch takes its
// field this way, the default collate (stack_examples) takes the batch from where they lie,
// without copying them: for large fields (images) that copy costs as much as making the
// samples. Anything else — a skipped sample, another shape, a collate of your own — falls back
// to an ordinary copy.
inline torch::Tensor example_memory(at::IntArrayRef sizes, const torch::TensorOptions& options) {
  return detail::example_slots().take(sizes, options);
}

// Stacks each field of the examples along a new first dimension. Throws std::invalid_argument
// naming the field and the two samples that do not fit together.
inline Batch stack_examples(const std::vector<Example>& examples) {
  Batch batch;
  if (examples.empty()) return batch;
  for (const auto& [name, first] : examples.front().fields) {
    std::vector<torch::Tensor> parts;
    parts.reserve(examples.size());
    for (size_t i = 0; i < examples.size(); ++i) {
      auto it = examples[i].fields.find(name);
      if (it == examples[i].fields.end() || !it->second.defined())
        throw std::invalid_argument("field '" + name + "' is missing from " + detail::example_name(examples, i));
      if (it->second.sizes() != first.sizes())
        throw std::invalid_argument("field '" + name + "' has shape " + detail::shape_text(it->second) + " in " +
                                    detail::example_name(examples, i) + " but " + detail::shape_text(first) + " in " +
                                    detail::example_name(examples, 0) +
                                    "; stacking needs equal shapes (pad it: forge::pad_field)");
      if (it->second.scalar_type() != first.scalar_type())
        throw std::invalid_argument("field '" + name + "' has another dtype in " + detail::example_name(examples, i) +
                                    " than in " + detail::example_name(examples, 0));
      parts.push_back(it->second);
    }
    std::vector<int64_t> sizes{int64_t(parts.size())};
    for (int64_t size : first.sizes()) sizes.push_back(size);
    bool needs_grad = false;
    for (const torch::Tensor& part : parts) needs_grad = needs_grad || part.requires_grad();
    if (!first.is_cpu() || needs_grad) {  // an out= stack has no gradient; the pool keeps to CPU memory
      batch.set(name, torch::stack(parts));
      continue;
    }
    torch::Tensor in_place = detail::example_slots().stacked_in_place(parts);
    if (in_place.defined()) {
      batch.set(name, in_place);
      continue;
    }
    torch::Tensor stacked = detail::batch_memory().take(sizes, first.options());
    batch.set(name, torch::stack_out(stacked, parts));
  }
  detail::example_slots().stacked(int64_t(examples.size()));
  return batch;
}

// Pads field `name` (each example's of shape [L, ...], L varying) with `pad` to the longest L,
// and stores each L as an int64 scalar field `length_field` (left out when empty).
inline void pad_field(std::vector<Example>& examples, const std::string& name, double pad,
                      const std::string& length_field = "length") {
  int64_t longest = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    auto it = examples[i].fields.find(name);
    if (it == examples[i].fields.end() || !it->second.defined() || it->second.dim() == 0)
      throw std::invalid_argument("field '" + name + "' of " + detail::example_name(examples, i) +
                                  " is missing or has no length dimension to pad");
    longest = std::max(longest, it->second.size(0));
  }
  for (auto& example : examples) {
    torch::Tensor& field = example.fields[name];
    const int64_t length = field.size(0);
    if (!length_field.empty()) example.fields[length_field] = torch::tensor(length, torch::kInt64);
    if (length == longest) continue;
    std::vector<int64_t> shape = field.sizes().vec();
    shape[0] = longest;
    torch::Tensor padded = torch::full(shape, pad, field.options());
    padded.slice(0, 0, length).copy_(field);
    field = padded;
  }
}

}  // namespace forge
