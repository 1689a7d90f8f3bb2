# forge_add_test(name sources...): one GoogleTest executable registered with CTest.
function(forge_add_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE forge_core GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "FORGE_BIN=$<TARGET_FILE:forge>;FORGE_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data")
endfunction()
