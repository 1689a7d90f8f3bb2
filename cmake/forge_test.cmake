# forge_add_test(name sources...): a GoogleTest executable over forge_all, each of its tests
# registered with CTest. tests/test_support.cpp gets the paths the tests need compiled in.
# forge_add_test(name SOURCES... [PROPERTIES ctest properties of each of its tests...])
function(forge_add_test name)
  cmake_parse_arguments(ARG "" "" "PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS} ${PROJECT_SOURCE_DIR}/tests/test_support.cpp
                 ${PROJECT_SOURCE_DIR}/tests/tensorboard_reader.cpp)
  target_link_libraries(${name} PRIVATE forge_all GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  forge_reuse_torch_pch(${name})
  target_compile_definitions(${name} PRIVATE
    FORGE_TEST_BIN="$<TARGET_FILE:forge>"
    FORGE_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FORGE_TEST_FIXTURES="${PROJECT_BINARY_DIR}/tests/fixtures"
    FORGE_TEST_BUILD_DIR="${PROJECT_BINARY_DIR}"
    FORGE_TEST_CACHE="${PROJECT_BINARY_DIR}/tests/cache")
  set_source_files_properties(${PROJECT_SOURCE_DIR}/tests/test_support.cpp ${PROJECT_SOURCE_DIR}/tests/tensorboard_reader.cpp
                              PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  if(ARG_PROPERTIES)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${ARG_PROPERTIES})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
