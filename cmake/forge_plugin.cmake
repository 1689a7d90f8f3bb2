# forge_add_plugin(name source [HEADERS ...] [LIBRARIES ...]): builds a built-in plugin the way
# forge builds a user's (same flags, hidden visibility, no lib prefix) into build/plugins/, and
# puts its source and the local headers it includes beside the library so runs can snapshot them.
function(forge_add_plugin name source)
  cmake_parse_arguments(ARG "" "" "HEADERS;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${source})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name} PRIVATE ${TORCH_LIBRARIES} ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${FORGE_BUILD_PLUGIN_DIR})
  configure_file(${source} ${FORGE_BUILD_PLUGIN_DIR}/${name}.cpp COPYONLY)
  foreach(header ${ARG_HEADERS})
    configure_file(${header} ${FORGE_BUILD_PLUGIN_DIR}/${header} COPYONLY)
    set_property(GLOBAL APPEND PROPERTY FORGE_BUILTIN_PLUGIN_HEADERS ${FORGE_BUILD_PLUGIN_DIR}/${header})
  endforeach()
endfunction()
