# qsparse_add_library(name SOURCES... [DEPENDS tgt...] [LINK_LIBS lib...])
# A static library that is installed and exported as qsparse::<name>. MLIR and
# LLVM come from their shared libraries (libMLIR.so / libLLVM.so), so link
# steps stay fast on small machines.
set_property(GLOBAL PROPERTY QSPARSE_EXPORTED_TARGETS "")
function(qsparse_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  if(ARG_LINK_LIBS)
    target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS})
  endif()
  add_library(qsparse::${name} ALIAS ${name})
  set_property(GLOBAL APPEND PROPERTY QSPARSE_EXPORTED_TARGETS ${name})
endfunction()
