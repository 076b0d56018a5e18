# Debian's Emscripten 3.1.6, plus the environment its emcc needs: its acorn
# (used by the JS optimiser at link time) lives in Debian's node path, which
# this machine's node does not search by default.
include(/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake)
set(_roomchat_emcc_env "${CMAKE_COMMAND}" -E env NODE_PATH=/usr/share/nodejs)
set(CMAKE_CXX_COMPILER_LAUNCHER ${_roomchat_emcc_env})
set(CMAKE_CXX_LINKER_LAUNCHER ${_roomchat_emcc_env})
