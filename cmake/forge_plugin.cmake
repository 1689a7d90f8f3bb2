# forge_add_plugin(name source [LIBRARIES ...]): builds a built-in plugin the way forge builds a
# user's (same flags, hidden visibility, no lib prefix) into build/plugins/, and puts its source
# beside the library so runs can snapshot it.
function(forge_add_plugin name source)
  cmake_parse_arguments(ARG "" "" "LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${source})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name} PRIVATE ${TORCH_LIBRARIES} ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${FORGE_BUILD_PLUGIN_DIR})
  configure_file(${source} ${FORGE_BUILD_PLUGIN_DIR}/${name}.cpp COPYONLY)
endfunction()
