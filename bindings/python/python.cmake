# bindings/python/python.cmake — the Python binding (README.md there).
#
# Included from the root CMakeLists.txt:
#   include(${PROJECT_SOURCE_DIR}/bindings/python/python.cmake OPTIONAL)
#
# Builds the `strata` package into ${CMAKE_BINARY_DIR}/python/strata/ (the
# _strata extension, pybind11 over the static library, beside the package's
# .py/.pyi files), so that after `make python`
#   PYTHONPATH=build/dev/python python3 -c 'import strata'
# works; installs it into the Python site directory under the install
# prefix (component `python`); registers the pytest suite as python_test.
#
#   STRATA_BUILD_PYTHON     ON (default) / OFF
#   STRATA_PYTHON           the interpreter to build for: Debian's
#                           /usr/bin/python3 when present (the one whose
#                           packages scripts/install-deps.sh installs),
#                           else python3 from PATH
#   STRATA_PYTHON_INSTALL_DIR  where `make install` puts the package,
#                           relative to the prefix (default: the
#                           interpreter's own layout, e.g.
#                           lib/python3.11/dist-packages on Debian)
#
# Skipped (with a note) in sanitizer builds, whose runtime a Python process
# would have to preload, and when Python's development files or pybind11
# are missing.

option(STRATA_BUILD_PYTHON "Build the Python binding (bindings/python)" ON)
if(NOT STRATA_BUILD_PYTHON)
  return()
endif()
if(NOT STRATA_SANITIZE STREQUAL "")
  message(STATUS "Python binding: skipped in sanitizer builds")
  return()
endif()

if(EXISTS /usr/bin/python3)
  set(strata_default_python /usr/bin/python3)
else()
  find_program(strata_default_python NAMES python3)
endif()
set(STRATA_PYTHON "${strata_default_python}" CACHE FILEPATH
    "The Python interpreter the binding is built for")
if(STRATA_PYTHON)
  set(Python3_EXECUTABLE "${STRATA_PYTHON}")
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module QUIET)
if(Python3_FOUND)
  find_package(pybind11 2.6 CONFIG QUIET)
endif()
if(NOT Python3_FOUND OR NOT pybind11_FOUND)
  message(STATUS "Python binding: skipped (needs Python 3 development files "
                 "and pybind11: python3-dev pybind11-dev)")
  return()
endif()
message(STATUS "Python binding: Python ${Python3_VERSION} "
               "(${Python3_EXECUTABLE}), pybind11 ${pybind11_VERSION}")

set(strata_python_dir ${CMAKE_CURRENT_LIST_DIR})
set(strata_python_out ${CMAKE_BINARY_DIR}/python/strata)

file(GLOB strata_python_sources CONFIGURE_DEPENDS
  "${strata_python_dir}/src/*.cc")
pybind11_add_module(strata_python_module MODULE ${strata_python_sources})
set_target_properties(strata_python_module PROPERTIES
  OUTPUT_NAME _strata
  LIBRARY_OUTPUT_DIRECTORY ${strata_python_out})
target_link_libraries(strata_python_module PRIVATE strata)
target_compile_options(strata_python_module PRIVATE ${STRATA_WARNINGS})
target_compile_definitions(strata_python_module PRIVATE
  STRATA_VERSION_STRING="${PROJECT_VERSION}")

# The package's pure-Python files, copied beside the extension.
set(strata_python_files __init__.py __init__.pyi py.typed)
set(strata_python_copies)
foreach(f IN LISTS strata_python_files)
  add_custom_command(
    OUTPUT ${strata_python_out}/${f}
    COMMAND ${CMAKE_COMMAND} -E copy_if_different
            ${strata_python_dir}/strata/${f} ${strata_python_out}/${f}
    DEPENDS ${strata_python_dir}/strata/${f}
    COMMENT "Copying strata/${f} into the build tree")
  list(APPEND strata_python_copies ${strata_python_out}/${f})
endforeach()
add_custom_target(strata_python ALL DEPENDS ${strata_python_copies})
add_dependencies(strata_python strata_python_module)

# Install: the package into the site directory under the prefix.
if(NOT STRATA_PYTHON_INSTALL_DIR)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} -c
      "import sysconfig, os; s = sysconfig.get_default_scheme(); p = sysconfig.get_path('platlib', s, vars={'base': '/P', 'platbase': '/P'}); p = p.replace('/P/local/', '/P/', 1); print(os.path.relpath(p, '/P'))"
    OUTPUT_VARIABLE strata_python_site
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE strata_python_site_rc)
  if(NOT strata_python_site_rc EQUAL 0 OR strata_python_site STREQUAL "")
    set(strata_python_site
        "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/site-packages")
  endif()
  set(STRATA_PYTHON_INSTALL_DIR "${strata_python_site}" CACHE PATH
      "Where the Python package is installed, relative to the prefix")
endif()
install(TARGETS strata_python_module
  LIBRARY DESTINATION ${STRATA_PYTHON_INSTALL_DIR}/strata COMPONENT python)
install(FILES ${strata_python_copies}
  DESTINATION ${STRATA_PYTHON_INSTALL_DIR}/strata COMPONENT python)

# Tests: the pytest suite against the package in the build tree, and the
# installed package (component `python` into a scratch prefix).
if(STRATA_BUILD_TESTS)
  set(strata_python_test_dir ${CMAKE_BINARY_DIR}/test-tmp/python)
  # pytest makes --basetemp itself, but not its parent.
  file(MAKE_DIRECTORY ${strata_python_test_dir})
  add_test(NAME python_test
    COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider
            --basetemp=${strata_python_test_dir}/pytest
            ${strata_python_dir}/tests
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(python_test PROPERTIES TIMEOUT 300
    ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;PYTHONDONTWRITEBYTECODE=1")
  add_test(NAME python_install
    COMMAND sh -c "rm -rf \"$1\" && \"$2\" --install \"$3\" --component python --prefix \"$1\" >/dev/null && PYTHONPATH=\"$1/$4\" \"$5\" -c \"import strata, sys; assert strata.__file__.startswith(sys.argv[1]), strata.__file__; strata.DB\" \"$1\""
            python_install ${strata_python_test_dir}/install ${CMAKE_COMMAND}
            ${CMAKE_BINARY_DIR} ${STRATA_PYTHON_INSTALL_DIR} ${Python3_EXECUTABLE})
  set_tests_properties(python_install PROPERTIES TIMEOUT 60)
endif()
