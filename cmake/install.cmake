# `cmake --install build --prefix P` and `cpack -G DEB`. The layout is the one forge looks for at
# run time (src/plugin_host/forge_layout.hpp):
#   P/bin/forge                       the torch-free launcher
#   P/lib/libforge.so                 forge, and the public API (forge/run.hpp)
#   P/lib/forge/forge-engine          train, resume, eval, export, check-resume
#   P/lib/forge/plugins/NAME.so|.cpp  the built-in plugins, found by name
#   P/include/forge/*.hpp             plugin and API headers
#   P/lib/cmake/forge/                find_package(forge) -> forge::forge
#   P/share/bash-completion/completions/forge
#   P/share/man/man1/forge.1, forge-COMMAND.1
# No precompiled torch header is installed: it records the paths it was built from, so an
# installed forge builds its own once per user (src/plugin_host/torch_pch.hpp).
include(CMakePackageConfigHelpers)

set(FORGE_INSTALL_CMAKEDIR lib/cmake/forge)

install(TARGETS forge RUNTIME DESTINATION bin)
install(TARGETS forge-engine RUNTIME DESTINATION lib/forge)
install(TARGETS forge_core EXPORT forgeTargets LIBRARY DESTINATION lib)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/forge DESTINATION include)
install(TARGETS ${FORGE_BUILTIN_PLUGINS} LIBRARY DESTINATION lib/forge/plugins)
get_property(FORGE_BUILTIN_PLUGIN_HEADERS GLOBAL PROPERTY FORGE_BUILTIN_PLUGIN_HEADERS)
install(FILES ${FORGE_BUILTIN_PLUGIN_HEADERS} DESTINATION lib/forge/plugins)
foreach(plugin ${FORGE_BUILTIN_PLUGINS})
  install(FILES ${FORGE_BUILD_PLUGIN_DIR}/${plugin}.cpp DESTINATION lib/forge/plugins)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/scripts/forge-completion.bash
        DESTINATION share/bash-completion/completions RENAME forge)

if(FORGE_MAN_PAGES)
  install(FILES ${FORGE_MAN_PAGES} DESTINATION share/man/man1)
endif()

install(EXPORT forgeTargets NAMESPACE forge:: DESTINATION ${FORGE_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/forgeConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/forgeConfig.cmake
                              INSTALL_DESTINATION ${FORGE_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/forgeConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/forgeConfig.cmake ${PROJECT_BINARY_DIR}/forgeConfigVersion.cmake
        DESTINATION ${FORGE_INSTALL_CMAKEDIR})

# The .deb: Debian's package names for what forge needs at run time. dpkg-shlibdeps adds the
# shared libraries forge links (libtorch, Boost, spdlog, zlib...); the rest forge needs to
# compile plugins (the compiler it was built with, libtorch's headers and Boost's) and to train
# at speed (OpenBLAS).
get_filename_component(forge_compiler_name ${CMAKE_CXX_COMPILER} NAME)
if(forge_compiler_name MATCHES "^clang")
  set(forge_compiler_package clang)
else()
  set(forge_compiler_package g++)
endif()
set(CPACK_PACKAGE_NAME forge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "forge developers <forge@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "command-line experiment runner for libtorch")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
# The Boost headers of the version forge was built with (1.74 on Debian 12, 1.83 on Debian 13).
set(forge_boost_package "libboost${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR}-dev")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${forge_compiler_package}, libtorch-dev, ${forge_boost_package}, libopenblas0-openmp")
# gzip: the package is small, and xz would take longer than the rest of the test that builds it.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)
