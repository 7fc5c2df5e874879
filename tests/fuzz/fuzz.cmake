# tests/fuzz/fuzz.cmake — libFuzzer targets for every decoder of outside
# bytes (WAL, WriteBatch, table blocks, VersionEdit/MANIFEST, CURRENT, a
# whole DB directory), and strata_fuzz_corpus, which writes their seeds.
#
# Included from the root CMakeLists.txt after the library targets exist.
# Configure (clang only; combine with the ASan+UBSan build):
#
#   cmake -G Ninja -S . -B build/fuzz -DCMAKE_C_COMPILER=clang-14 \
#     -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#     -DSTRATA_SANITIZE=address -DSTRATA_FUZZ=ON
#   cmake --build build/fuzz --target strata_fuzz
#   scripts/fuzz.sh build/fuzz 60
#
# With STRATA_FUZZ=ON the library's own objects get coverage instrumentation
# (-fsanitize=fuzzer-no-link), and every target keeps its assertions (no
# -DNDEBUG), so that a broken invariant is a finding rather than silent
# misbehaviour. Targets are
# tests/fuzz/fuzz_<name>.cc, one executable each, named fuzz_<name>.

option(STRATA_FUZZ "Build libFuzzer targets (clang)" OFF)

if(STRATA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "STRATA_FUZZ=ON needs clang (e.g. "
            "-DCMAKE_CXX_COMPILER=clang++-14), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(STRATA_SANITIZE STREQUAL "thread")
    message(FATAL_ERROR "STRATA_FUZZ=ON goes with STRATA_SANITIZE=address "
            "(ASan+UBSan) or no sanitizer, not thread")
  endif()
  if(NOT STRATA_SANITIZE STREQUAL "address")
    message(WARNING "STRATA_FUZZ=ON without STRATA_SANITIZE=address: memory "
            "errors are found only when they crash")
  endif()

  # Assertions stay on in every target of this build, not only in the
  # library: NDEBUG changes class layouts (strata::Mutex), so all objects
  # must agree. The flags of a directory are read when it is generated,
  # after this file, so the edit reaches targets created before it too.
  foreach(config RELEASE RELWITHDEBINFO MINSIZEREL)
    foreach(lang C CXX)
      string(REPLACE "-DNDEBUG" "" CMAKE_${lang}_FLAGS_${config}
             "${CMAKE_${lang}_FLAGS_${config}}")
    endforeach()
  endforeach()

  # Whatever links the instrumented objects (unit tests, strata_testing,
  # examples, the corpus writer) needs the coverage runtime, which
  # -fsanitize=fuzzer-no-link also brings at link time (the ASan runtime
  # has it too, but STRATA_FUZZ does not require ASan).
  foreach(module IN LISTS STRATA_MODULES)
    target_compile_options(strata_${module} PRIVATE -fsanitize=fuzzer-no-link)
    target_link_options(strata_${module} INTERFACE -fsanitize=fuzzer-no-link)
  endforeach()
  target_link_options(strata INTERFACE -fsanitize=fuzzer-no-link)

  file(GLOB strata_fuzz_sources CONFIGURE_DEPENDS
    "${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_*.cc")
  set(strata_fuzz_targets)
  foreach(fuzz_source IN LISTS strata_fuzz_sources)
    get_filename_component(fuzz_name ${fuzz_source} NAME_WE)
    add_executable(${fuzz_name} ${fuzz_source})
    target_include_directories(${fuzz_name} PRIVATE
      ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
    target_link_libraries(${fuzz_name} PRIVATE strata)
    target_compile_options(${fuzz_name} PRIVATE ${STRATA_WARNINGS}
                           -fsanitize=fuzzer)
    target_link_options(${fuzz_name} PRIVATE -fsanitize=fuzzer)
    list(APPEND strata_fuzz_targets ${fuzz_name})
  endforeach()

  # A plain program (strata's link options give it the coverage hooks the
  # instrumented library calls, without libFuzzer's main).
  add_executable(strata_fuzz_corpus
    ${PROJECT_SOURCE_DIR}/tests/fuzz/make_corpus.cc)
  target_include_directories(strata_fuzz_corpus PRIVATE
    ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  target_link_libraries(strata_fuzz_corpus PRIVATE strata)
  target_compile_options(strata_fuzz_corpus PRIVATE ${STRATA_WARNINGS})

  add_custom_target(strata_fuzz DEPENDS ${strata_fuzz_targets}
                    strata_fuzz_corpus)
endif()
