// The file around a checkpoint, torch-free: how tensors and a small record go to disk at the
// disk's speed and come back checked, so that a truncated or corrupted checkpoint is told from
// an intact one before anything is restored from it. What the tensors and the record mean is
// train/checkpoint.cpp's business.
//
// Format 2 (forge 0.2 on), little endian:
//   header (64 bytes): "FORGECKPT2\n", 5 zero bytes, the index's length (u64), the data's length
//     (u64), the index's CRC-32C (u32), the data's CRC-32C (u32), the CRC-32C of the header's
//     first 40 bytes (u32), zeros;
//   index: JSON {"tensors": [{"name", "dtype", "shape", "offset", "bytes"}...], "meta": {...}};
//   zeros up to a multiple of 64;
//   data: each tensor's bytes at its offset, a multiple of 64 (so tensors can be used in place).
// The index comes first so that a reader can learn a checkpoint's record without its data; the
// data is written straight from the tensors' memory with its checksum computed on the way.
// Format 1 (forge 0.1): "FORGECKPT1\n", payload length (u64), CRC-32 (u32), a torch archive.
// Both are written atomically (temp file, fsync, rename, fsync the folder).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace forge {

// One tensor's bytes, contiguous, and what they are. `dtype` is one of checkpoint_dtypes().
struct CheckpointTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  uint64_t bytes = 0;
};

// The element types a checkpoint holds, by name, with their sizes in bytes.
const std::map<std::string, size_t>& checkpoint_dtypes();

// Writes a format-2 checkpoint of `tensors` (by name) and `meta` to `path` atomically, creating
// its folder; reads each tensor's bytes once, from its own memory. Throws Error naming the file
// and the system's reason (a full disk, say): `path` is then left as it was.
void write_checkpoint_file(const std::string& path, const nlohmann::json& meta,
                           const std::vector<std::pair<std::string, CheckpointTensor>>& tensors);

// A checkpoint read into memory and checked: frame, checksums and index.
struct CheckpointContents {
  int format = 2;
  std::string archive;                              // format 1: the torch archive
  nlohmann::json meta;                              // format 2: the writer's record
  std::map<std::string, CheckpointTensor> tensors;  // format 2: their bytes lie in `memory`
  std::shared_ptr<void> memory;                     // owns those bytes, 64-byte aligned
};

// Reads the whole file once, checking its checksums as it goes. Throws Error(ExitCode::run)
// naming the file when it is missing, not a checkpoint, truncated, corrupted or its index is
// malformed.
CheckpointContents read_checkpoint_file(const std::string& path);

// A format-2 checkpoint's meta from its header and index only (checked likewise), without
// reading its data; nullopt for a format-1 checkpoint, whose record lies inside its archive.
std::optional<nlohmann::json> read_checkpoint_meta(const std::string& path);

}  // namespace forge
