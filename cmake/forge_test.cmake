# forge_add_test(name sources...): a GoogleTest executable over forge_core, each of its tests
# registered with CTest and run with FORGE_TEST_ENVIRONMENT.
function(forge_add_test name)
  add_executable(${name} ${ARGN} ${PROJECT_SOURCE_DIR}/tests/test_support.cpp)
  target_link_libraries(${name} PRIVATE forge_core GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_precompile_headers(${name} REUSE_FROM forge_torch_pch)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "${FORGE_TEST_ENVIRONMENT}")
endfunction()
