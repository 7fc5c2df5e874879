# The `strata` command-line tool (tools/strata/): CLI11 parses, libedit
# edits the shell's lines, nlohmann-json reads JSON lines and writes
# `stats --json` — all Debian packages (scripts/install-deps.sh).
option(STRATA_BUILD_TOOLS "Build the strata command-line tool" ON)
if(STRATA_BUILD_TOOLS)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  find_package(nlohmann_json 3 REQUIRED)
  find_path(EDITLINE_INCLUDE_DIR editline/readline.h REQUIRED)
  find_library(EDIT_LIBRARY edit REQUIRED)
  file(GLOB strata_tool_sources CONFIGURE_DEPENDS
    "${PROJECT_SOURCE_DIR}/tools/strata/*.cc")
  list(FILTER strata_tool_sources EXCLUDE REGEX "_test\\.cc$")
  add_executable(strata_tool ${strata_tool_sources})
  set_target_properties(strata_tool PROPERTIES OUTPUT_NAME strata)
  target_include_directories(strata_tool PRIVATE
    ${CLI11_INCLUDE_DIR} ${EDITLINE_INCLUDE_DIR})
  target_link_libraries(strata_tool PRIVATE strata::strata
    nlohmann_json::nlohmann_json ${EDIT_LIBRARY})
  target_compile_options(strata_tool PRIVATE ${STRATA_WARNINGS})
  install(TARGETS strata_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

  # tests/tool_test.cc runs the built tool.
  if(TARGET tool_test)
    add_dependencies(tool_test strata_tool)
    target_compile_definitions(tool_test PRIVATE
      STRATA_TOOL="$<TARGET_FILE:strata_tool>")
    target_link_libraries(tool_test PRIVATE util)  # forkpty
  endif()
endif()
