// What the fuzz targets share: a private scratch folder per process, and the input written to a
// file there (the readers under test read files).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace forge::fuzz {

// A folder of this process's, made once and reused by every input.
const std::string& scratch_dir();

// Writes `data` to <scratch>/`name` and returns the path.
std::string write_input(const std::string& name, const uint8_t* data, size_t size);

}  // namespace forge::fuzz
