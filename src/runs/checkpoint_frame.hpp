// The frame around a checkpoint's payload, torch-free: what tells a complete, intact checkpoint
// from a truncated or corrupted one before anything is restored from it.
//
// On disk: "FORGECKPT1\n", payload length (8 bytes, little endian), CRC-32 of the payload
// (4 bytes), payload (a torch archive, written by train/checkpoint.cpp). Written atomically,
// so a crash never leaves a half-written checkpoint under its final name.
#pragma once

#include <string>

namespace forge {

// Frames `payload` and writes it to `path` atomically, creating its folder.
void write_checkpoint_file(const std::string& path, const std::string& payload);

// The payload of the checkpoint at `path`, its frame and checksum checked. Throws
// Error(ExitCode::run) naming the file when it is missing, truncated or corrupted.
std::string read_checkpoint_payload(const std::string& path);

// Checks the file's frame and checksum; throws as read_checkpoint_payload does.
void verify_checkpoint(const std::string& path);

}  // namespace forge
