# Included from the top-level CMakeLists.txt (include(), not add_subdirectory(), so that
# BPF_GEN_DIR, BPF_INCLUDES and bpf_skeleton() stay visible to bench/ and tests/).

# --- BPF objects and skeletons -------------------------------------------------------
set(BPF_INCLUDES
  -I${CMAKE_SOURCE_DIR}/vmlinux/${BPF_ARCH}
  -I${CMAKE_SOURCE_DIR}/include
  -I${CMAKE_SOURCE_DIR}/bpf)
set(BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${BPF_GEN_DIR})
file(GLOB BPF_LIB_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/lib/*.bpf.h)

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

# Each bpf/lib header compiled alone, in a translation unit that includes only it: a header
# that compiles only after others were included fails the build here, whatever order the
# objects include them in. clang only warns about a call to an undeclared function (a helper
# whose header is missing), hence -Werror=implicit-function-declaration.
set(BPF_HEADER_ALONE_DIR ${BPF_GEN_DIR}/header_alone)
file(MAKE_DIRECTORY ${BPF_HEADER_ALONE_DIR})
set(bpf_header_alone_objects)
foreach(header ${BPF_LIB_HEADERS})
  get_filename_component(name ${header} NAME_WE)
  set(tu ${BPF_HEADER_ALONE_DIR}/${name}.c)
  set(obj ${BPF_HEADER_ALONE_DIR}/${name}.o)
  file(CONFIGURE OUTPUT ${tu} CONTENT "#include \"lib/${name}.bpf.h\"\n")
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_${BPF_ARCH} -Wall
            -Werror=implicit-function-declaration ${BPF_INCLUDES} -c ${tu} -o ${obj}
    DEPENDS ${tu} ${BPF_LIB_HEADERS} ${CMAKE_SOURCE_DIR}/include/egresswatch/abi.h
    COMMENT "BPF lib/${name}.bpf.h alone"
    VERBATIM)
  list(APPEND bpf_header_alone_objects ${obj})
endforeach()
add_custom_target(bpf_lib_headers_alone ALL DEPENDS ${bpf_header_alone_objects})
