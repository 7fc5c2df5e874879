# bench/bench.cmake — strata_bench: strata beside RocksDB, LevelDB and LMDB.
#
# Included from the root CMakeLists.txt after the library and test setup:
#   include(${PROJECT_SOURCE_DIR}/bench/bench.cmake)
# The library never links the other engines; only this program does, each
# through one adapter (bench/engine_<name>.cc) behind bench/engine.h.
#
# STRATA_BUILD_BENCH:
#   AUTO (default)  build it when RocksDB, LevelDB and LMDB are all installed,
#                   except in sanitizer builds (the other engines are not
#                   instrumented)
#   ON              require them (`make bench` uses this)
#   OFF             never build it

#
# STRATA_BENCH_PEERS_DIR: where scripts/build-peers.sh built release
# LevelDB and RocksDB (build/peers). A peer built there (<dir>/<name>/
# install) is linked instead of its Debian package, and strata_bench labels
# its column with the build it measured.

set(STRATA_BUILD_BENCH AUTO CACHE STRING
    "Build bench/strata_bench: AUTO, ON or OFF")
set(STRATA_BENCH_PEERS_DIR "" CACHE PATH
    "Release builds of LevelDB and RocksDB (scripts/build-peers.sh)")
set_property(CACHE STRATA_BUILD_BENCH PROPERTY STRINGS AUTO ON OFF)

if(STRATA_BUILD_BENCH STREQUAL "AUTO" AND NOT STRATA_SANITIZE STREQUAL "")
  message(STATUS "strata_bench: skipped in sanitizer builds "
                 "(STRATA_BUILD_BENCH=ON forces it)")
elseif(NOT STRATA_BUILD_BENCH STREQUAL "OFF")
  set(strata_bench_leveldb_build "Debian package, assertions on")
  set(strata_bench_rocksdb_build "Debian package, assertions on")
  set(strata_bench_peer_libs)
  if(STRATA_BENCH_PEERS_DIR)
    foreach(peer leveldb rocksdb)
      set(peer_root "${STRATA_BENCH_PEERS_DIR}/${peer}/install")
      string(TOUPPER ${peer} PEER)
      if(EXISTS "${peer_root}/lib/lib${peer}.a")
        set(STRATA_BENCH_${PEER}_INCLUDE "${peer_root}/include" CACHE PATH "" FORCE)
        set(STRATA_BENCH_${PEER}_LIBRARY "${peer_root}/lib/lib${peer}.a" CACHE FILEPATH "" FORCE)
        set(strata_bench_${peer}_build "release, built from Debian's source package")
      endif()
    endforeach()
    # The static libraries' own dependencies.
    find_library(STRATA_BENCH_SNAPPY snappy)
    find_library(STRATA_BENCH_ZSTD zstd)
    find_library(STRATA_BENCH_LZ4 lz4)
    list(APPEND strata_bench_peer_libs ${STRATA_BENCH_SNAPPY}
         ${STRATA_BENCH_ZSTD} ${STRATA_BENCH_LZ4} ${CMAKE_DL_LIBS})
  endif()
  message(STATUS "strata_bench: leveldb ${strata_bench_leveldb_build}; "
                 "rocksdb ${strata_bench_rocksdb_build}")
  find_path(STRATA_BENCH_ROCKSDB_INCLUDE rocksdb/db.h)
  find_path(STRATA_BENCH_LEVELDB_INCLUDE leveldb/db.h)
  find_path(STRATA_BENCH_LMDB_INCLUDE lmdb.h)
  find_library(STRATA_BENCH_ROCKSDB_LIBRARY rocksdb)
  find_library(STRATA_BENCH_LEVELDB_LIBRARY leveldb)
  find_library(STRATA_BENCH_LMDB_LIBRARY lmdb)
  set(strata_bench_found TRUE)
  foreach(var STRATA_BENCH_ROCKSDB_INCLUDE STRATA_BENCH_LEVELDB_INCLUDE
              STRATA_BENCH_LMDB_INCLUDE STRATA_BENCH_ROCKSDB_LIBRARY
              STRATA_BENCH_LEVELDB_LIBRARY STRATA_BENCH_LMDB_LIBRARY)
    if(NOT ${var})
      set(strata_bench_found FALSE)
    endif()
  endforeach()

  if(NOT strata_bench_found)
    if(STRATA_BUILD_BENCH STREQUAL "ON")
      message(FATAL_ERROR "strata_bench needs RocksDB, LevelDB and LMDB: "
                          "run `bash scripts/install-deps.sh bench`")
    endif()
    message(STATUS "strata_bench: RocksDB/LevelDB/LMDB not all found, skipped "
                   "(scripts/install-deps.sh bench installs them)")
  else()
    # Everything but main() and the tests goes into one static library so
    # that the tool and its unit test share it.
    file(GLOB strata_bench_sources CONFIGURE_DEPENDS
      "${PROJECT_SOURCE_DIR}/bench/*.cc")
    list(FILTER strata_bench_sources EXCLUDE REGEX "_test\\.cc$")
    list(FILTER strata_bench_sources EXCLUDE REGEX "/strata_bench\\.cc$")

    add_library(strata_bench_lib STATIC ${strata_bench_sources})
    # Only the public API: bench/ may not include src/ internals.
    target_include_directories(strata_bench_lib PUBLIC
      ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
    target_include_directories(strata_bench_lib SYSTEM PUBLIC
      ${STRATA_BENCH_ROCKSDB_INCLUDE} ${STRATA_BENCH_LEVELDB_INCLUDE}
      ${STRATA_BENCH_LMDB_INCLUDE})
    target_compile_options(strata_bench_lib PRIVATE ${STRATA_WARNINGS})
    target_link_libraries(strata_bench_lib PUBLIC
      strata ${STRATA_BENCH_ROCKSDB_LIBRARY} ${STRATA_BENCH_LEVELDB_LIBRARY}
      ${STRATA_BENCH_LMDB_LIBRARY} ${strata_bench_peer_libs} Threads::Threads)
    target_compile_definitions(strata_bench_lib PRIVATE
      STRATA_BENCH_LEVELDB_BUILD="${strata_bench_leveldb_build}"
      STRATA_BENCH_ROCKSDB_BUILD="${strata_bench_rocksdb_build}")

    add_executable(strata_bench ${PROJECT_SOURCE_DIR}/bench/strata_bench.cc)
    target_link_libraries(strata_bench PRIVATE strata_bench_lib)
    target_compile_options(strata_bench PRIVATE ${STRATA_WARNINGS})

    if(STRATA_BUILD_TESTS)
      add_executable(strata_bench_test
        ${PROJECT_SOURCE_DIR}/bench/bench_test.cc
        ${PROJECT_SOURCE_DIR}/bench/histogram_test.cc)
      target_link_libraries(strata_bench_test PRIVATE strata_bench_lib
        GTest::gtest GTest::gtest_main ${SNAPPY_LIBRARY})
      target_compile_options(strata_bench_test PRIVATE ${STRATA_WARNINGS})
      gtest_discover_tests(strata_bench_test DISCOVERY_TIMEOUT 60
        PROPERTIES TIMEOUT 300
        ENVIRONMENT "STRATA_TEST_TMPDIR=${CMAKE_BINARY_DIR}/test-tmp")
    endif()
  endif()
endif()
