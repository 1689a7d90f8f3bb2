# A precompiled <torch/torch.h> for plugins forge compiles at run time, built with exactly the
# flags forge compiles plugins with (cmake/build_config.cpp.in). forge uses it when it is
# present and falls back to plain includes if not.
# -O1, not forge's -O2: a plugin's code mostly calls into libtorch, so -O1 trains the mlp
# within 1.5% of -O2 while compiling faster.
# With Clang the header also holds its template instantiations (-fpch-instantiate-templates):
# GCC redoes them in every file that uses its header, ~10 s of the mlp's 12 s here, against
# ~3 s with Clang. -fno-pch-timestamp lets the file be copied (installed) without going stale.
set(FORGE_PLUGIN_PCH ${PROJECT_BINARY_DIR}/pch/forge_torch.hpp)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(FORGE_PLUGIN_PCH_EXTENSION .pch)
  set(FORGE_PCH_OPTIONS -fpch-instantiate-templates -Xclang -fno-pch-timestamp)
else()
  set(FORGE_PLUGIN_PCH_EXTENSION .gch)
  set(FORGE_PCH_OPTIONS "")
endif()
set(FORGE_PLUGIN_PCH_BINARY ${FORGE_PLUGIN_PCH}${FORGE_PLUGIN_PCH_EXTENSION})
file(WRITE ${FORGE_PLUGIN_PCH}.in "// Precompiled for plugins that forge compiles.\n#include <torch/torch.h>\n")
configure_file(${FORGE_PLUGIN_PCH}.in ${FORGE_PLUGIN_PCH} COPYONLY)
add_custom_command(
  OUTPUT ${FORGE_PLUGIN_PCH_BINARY}
  COMMAND ${CMAKE_CXX_COMPILER} -std=gnu++${CMAKE_CXX_STANDARD} -O1 -fPIC -fvisibility=hidden ${FORGE_PCH_OPTIONS}
          "-D$<JOIN:$<TARGET_PROPERTY:torch,INTERFACE_COMPILE_DEFINITIONS>,;-D>"
          "$<TARGET_PROPERTY:torch,INTERFACE_COMPILE_OPTIONS>"
          "-I$<JOIN:$<TARGET_PROPERTY:torch,INTERFACE_INCLUDE_DIRECTORIES>,;-I>"
          -x c++-header ${FORGE_PLUGIN_PCH} -o ${FORGE_PLUGIN_PCH_BINARY}
  DEPENDS ${FORGE_PLUGIN_PCH}
  COMMAND_EXPAND_LISTS
  COMMENT "Precompiling <torch/torch.h> for run-time plugin builds")
add_custom_target(forge_plugin_pch ALL DEPENDS ${FORGE_PLUGIN_PCH_BINARY})
