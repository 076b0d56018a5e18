# cmake -DFILES=a;b -DOUTPUT=size.txt -P size.cmake
# Writes and prints each file's raw and gzip -9 size in bytes: what a browser
# downloads once the server compresses it.
find_program(GZIP gzip REQUIRED)
set(_report "file raw_bytes gzip9_bytes\n")
foreach(_file IN LISTS FILES)
  get_filename_component(_name "${_file}" NAME)
  file(SIZE "${_file}" _raw)
  set(_gz "${OUTPUT}.${_name}.gz")
  execute_process(COMMAND "${GZIP}" -9 -c "${_file}" OUTPUT_FILE "${_gz}" RESULT_VARIABLE _status)
  if(NOT _status EQUAL 0)
    message(FATAL_ERROR "gzip failed on ${_file}")
  endif()
  file(SIZE "${_gz}" _zipped)
  file(REMOVE "${_gz}")
  string(APPEND _report "${_name} ${_raw} ${_zipped}\n")
endforeach()
file(WRITE "${OUTPUT}" "${_report}")
message(STATUS "wasm module sizes (${OUTPUT}):\n${_report}")
