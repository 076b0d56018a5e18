# The fuzz targets under ctest in the normal native build: each runs for a
# bounded time from the fuzz preset's build folder (clang; this build does not
# compile tests/fuzz). A missing target fails and says to build the preset.
# Included from tests/CMakeLists.txt.
set(ROOMCHAT_FUZZ_DIR "${PROJECT_SOURCE_DIR}/build/fuzz" CACHE PATH
    "Build folder of the fuzz preset, whose targets ctest runs")
set(ROOMCHAT_FUZZ_SECONDS 12 CACHE STRING "Seconds each fuzz target runs under ctest")

find_program(BASH_EXECUTABLE bash REQUIRED)
file(GLOB fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*_fuzz.cpp)
foreach(source IN LISTS fuzz_sources)
  get_filename_component(binary ${source} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" target ${binary})
  add_test(NAME fuzz_${target}
    COMMAND ${BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/run_fuzzer.sh
            ${ROOMCHAT_FUZZ_DIR}/tests/fuzz/${binary} ${CMAKE_CURRENT_LIST_DIR}/corpus/${target}
            ${ROOMCHAT_FUZZ_SECONDS} ${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts)
  math(EXPR fuzz_timeout "${ROOMCHAT_FUZZ_SECONDS} + 60")
  set_tests_properties(fuzz_${target} PROPERTIES LABELS fuzz TIMEOUT ${fuzz_timeout})
endforeach()
