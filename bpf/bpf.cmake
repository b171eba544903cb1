# Included from the top-level CMakeLists.txt (include(), not add_subdirectory(), so that
# BPF_GEN_DIR, BPF_INCLUDES and bpf_skeleton() stay visible to bench/ and tests/).

# --- BPF objects and skeletons -------------------------------------------------------
set(BPF_INCLUDES
  -I${CMAKE_SOURCE_DIR}/vmlinux/${BPF_ARCH}
  -I${CMAKE_SOURCE_DIR}/include
  -I${CMAKE_SOURCE_DIR}/bpf)
set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})
file(GLOB BPF_LIB_HEADERS ${CMAKE_SOURCE_DIR}/bpf/lib/*.bpf.h)

# bpf_skeleton(<name> [<dir>]): <dir>/<name>.bpf.c (default bpf/) -> <name>.bpf.o ->
# <name>.skel.h, exposed as target <name>_skel
function(bpf_skeleton name)
  set(dir ${CMAKE_SOURCE_DIR}/bpf)
  if(ARGC GREATER 1)
    set(dir ${ARGV1})
  endif()
  set(src ${dir}/${name}.bpf.c)
  set(obj ${BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${BPF_GEN_DIR}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_ARCH} -Wall ${BPF_INCLUDES} -c ${src} -o ${obj}
    DEPENDS ${src} ${BPF_LIB_HEADERS} ${CMAKE_SOURCE_DIR}/include/egresswatch/abi.h
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${BPF_GEN_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()

bpf_skeleton(egresswatch)
bpf_skeleton(probes)

