cmake_minimum_required(VERSION 3.20)
# Fails the build when a source file includes a header of a layer it may not
# see (design.md: http -> api -> core -> store, each knowing only what is
# below it). Run by the build before any library compiles:
#   cmake -DSRC=<src dir> -DSTAMP=<file> -P check_layers.cmake
# (mail may see the store: it records what it sent in the sent-e-mail log).
# The layers are also separate libraries (CMakeLists.txt), each linking only
# the ones below it.
# api code reaches storage only through core: besides including no store
# header, it calls no domain store's method (`store->users().get_user(`)
# on the store object core functions are given.
#
# Layers are the folders under src/, except that core/{json,crypto,clock,metrics}.hpp
# are `base` (the values and primitives every layer shares) and src/app.*
# and src/stack_env.* are `app` (the services a running server wires together). Tests
# (*_test.cpp) and main.cpp may include anything.
set(allowed_base "base")
set(allowed_store "base;store")
set(allowed_mail "base;store;mail")
set(allowed_core "base;store;mail;core")
set(allowed_app "base;store;mail;core;app")
set(allowed_http "base;store;mail;core;app;http")
set(allowed_api "base;core;app;http;api")

function(layer_of path out)
  if(path MATCHES "^core/(json|crypto|clock|metrics)\\.(hpp|cpp)$")
    set(${out} base PARENT_SCOPE)
  elseif(path MATCHES "^(app|stack_env)\\.(hpp|cpp)$")
    set(${out} app PARENT_SCOPE)
  elseif(path MATCHES "^([a-z_]+)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

file(GLOB_RECURSE files RELATIVE ${SRC} ${SRC}/*.cpp ${SRC}/*.hpp)
set(violations "")
foreach(f ${files})
  if(f MATCHES "_test\\.cpp$" OR f MATCHES "/testing/" OR f STREQUAL "main.cpp")
    continue()
  endif()
  layer_of(${f} layer)
  if(NOT DEFINED allowed_${layer})
    continue()
  endif()
  file(STRINGS ${SRC}/${f} includes REGEX "^#include \"")
  if(layer STREQUAL "api")
    file(STRINGS ${SRC}/${f} store_calls REGEX "store(->|\\.)[a-z_]+\\(\\)\\.[a-z_]+\\(")
    foreach(line ${store_calls})
      string(STRIP "${line}" line)
      string(APPEND violations "  src/${f} (api) calls the store directly: ${line}\n")
    endforeach()
  endif()
  foreach(line ${includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
    layer_of(${header} seen)
    if(seen STREQUAL "" OR seen IN_LIST allowed_${layer})
      continue()
    endif()
    string(APPEND violations "  src/${f} (${layer}) includes ${header} (${seen})\n")
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "Layer violations (cmake/check_layers.cmake):\n${violations}")
endif()
file(WRITE ${STAMP} "ok\n")
