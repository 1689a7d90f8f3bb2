// forge's per-user cache of compiled plugins and the precompiled torch header:
// $XDG_CACHE_HOME/forge, or ~/.cache/forge. What it holds is loaded into forge, so it is
// private: its folders are made 0700, a folder owned by another user or writable by others is
// refused, and a cached library is loaded only when it matches the SHA-1 recorded beside it.
#pragma once

#include <string>

namespace forge {

// The cache's root. Without XDG_CACHE_HOME and HOME, the home folder of this user's account
// (never a shared temporary folder). Throws Error(ExitCode::plugin) when there is none.
std::string plugin_cache_dir();

// Creates `dir` (below the cache root) and the folders above it that are missing, each 0700,
// and checks every one from the cache root down. Throws Error(ExitCode::plugin) naming a folder
// owned by another user or writable by others, saying what to do.
void make_private_cache_dir(const std::string& dir);

// Records the SHA-1 of `library` beside it (`library`.sha1), as it goes into the cache.
void record_cached_library(const std::string& library);

// Whether `library` is in the cache and matches its recorded SHA-1.
bool cached_library_intact(const std::string& library);

}  // namespace forge
