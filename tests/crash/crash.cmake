# The kill -9 crash test (tests/crash/README.md): crash_child runs the
# workload until it is killed, crash_driver kills it, reopens the DB and
# checks what survived. Included from the top-level CMakeLists.txt when
# STRATA_BUILD_TESTS is on.

set(crash_dir ${PROJECT_SOURCE_DIR}/tests/crash)

add_executable(crash_child
  ${crash_dir}/crash_child.cc
  ${crash_dir}/crash_workload.cc)
add_executable(crash_driver
  ${crash_dir}/crash_driver.cc
  ${crash_dir}/crash_model.cc
  ${crash_dir}/crash_workload.cc)

foreach(crash_target crash_child crash_driver)
  target_include_directories(${crash_target} PRIVATE
    ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${crash_target} PRIVATE ${STRATA_WARNINGS})
endforeach()
target_link_libraries(crash_child PRIVATE strata)
# strata_testing for NewTempDir and TestSeed.
target_link_libraries(crash_driver PRIVATE strata_testing strata)
# The driver starts the child from its own directory.
add_dependencies(crash_driver crash_child)

# 200 cycles; the seed comes from $STRATA_SEED, else the clock, and is
# printed with the command that replays it.
add_test(NAME crash_test
  COMMAND crash_driver --cycles=200 --range_deletes=1
          --child=$<TARGET_FILE:crash_child>)
set_tests_properties(crash_test PROPERTIES
  TIMEOUT 900
  LABELS crash
  ENVIRONMENT "STRATA_TEST_TMPDIR=${CMAKE_BINARY_DIR}/test-tmp")

# The same with versioning on (issue 14): every write keeps its version,
# the WAL records carry commit timestamps (range deletes become timed
# tombstones at them), and the verifier also checks the recovered last
# timestamp against every surviving version.
add_test(NAME crash_test_versioned
  COMMAND crash_driver --cycles=60 --versioning --range_deletes=1
          --child=$<TARGET_FILE:crash_child>)
set_tests_properties(crash_test_versioned PROPERTIES
  TIMEOUT 600
  LABELS crash
  ENVIRONMENT "STRATA_TEST_TMPDIR=${CMAKE_BINARY_DIR}/test-tmp")

# The same with the value log on (issue 16): values of 64 bytes and more
# move to value-log files at every flush and compaction, and garbage
# collection rewrites them, while the child is killed.
add_test(NAME crash_test_vlog
  COMMAND crash_driver --cycles=60 --value_log --range_deletes=1
          --child=$<TARGET_FILE:crash_child>)
set_tests_properties(crash_test_vlog PROPERTIES
  TIMEOUT 600
  LABELS crash
  ENVIRONMENT "STRATA_TEST_TMPDIR=${CMAKE_BINARY_DIR}/test-tmp")

# The checks must bite: a workload broken on purpose (see crash_child.cc)
# has to fail, with the right kind of failure, within a few cycles. A
# batch split in two shows as half-applied, as a hole, or as two keys
# disagreeing on the commit order; an acknowledgement sent before the write
# as a lost batch or as an order no commit could have.
# Fixed directories (emptied at the start of each run), since a failing
# run keeps its DB.
add_test(NAME crash_catches_split_batches
  COMMAND crash_driver --cycles=50 --sabotage=split
          --db=${CMAKE_BINARY_DIR}/test-tmp/crash-sabotage-split
          --child=$<TARGET_FILE:crash_child>)
add_test(NAME crash_catches_early_acks
  COMMAND crash_driver --cycles=50 --sabotage=early_ack
          --db=${CMAKE_BINARY_DIR}/test-tmp/crash-sabotage-early-ack
          --child=$<TARGET_FILE:crash_child>)
set_tests_properties(crash_catches_split_batches PROPERTIES
  PASS_REGULAR_EXPRESSION
  "FAILED in cycle.*(half-applied: [1-9]|holes: [1-9]|order violations: [1-9])")
set_tests_properties(crash_catches_early_acks PROPERTIES
  PASS_REGULAR_EXPRESSION
  "FAILED in cycle.*(lost acknowledged: [1-9]|order violations: [1-9])")
set_tests_properties(crash_catches_split_batches crash_catches_early_acks
  PROPERTIES TIMEOUT 300 LABELS crash)

# crash_model_test.cc is picked up by the tests/ glob as a GoogleTest
# executable; it tests the verifier, so it needs the verifier's sources.
if(TARGET crash_model_test)
  target_sources(crash_model_test PRIVATE
    ${crash_dir}/crash_model.cc
    ${crash_dir}/crash_workload.cc)
endif()
