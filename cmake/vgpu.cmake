# Shared CMake helpers.

# vgpu_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...>)
# Builds a Catch2 test binary and registers it with CTest under its labels.
function(vgpu_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE vgpu_catch_main ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  if(T_ENV)
    set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${T_ENV}")
  endif()
endfunction()

# vgpu_client_library(<target> SONAME <soname> VERSION_SCRIPT <file>)
# A client library: lands in ${VGPU_CLIENT_BUILD_DIR}, hides everything but
# the names its version script exports, and installs into lib/vgpu.
function(vgpu_client_library target)
  cmake_parse_arguments(L "" "SONAME;VERSION_SCRIPT" "" ${ARGN})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY ${VGPU_CLIENT_BUILD_DIR}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    NO_SONAME ON
    PREFIX ""
    SUFFIX "")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${L_SONAME})
  target_link_options(${target} PRIVATE
    -Wl,-soname,${L_SONAME}
    -Wl,--version-script=${L_VERSION_SCRIPT}
    -Wl,--no-undefined
    -Wl,-Bsymbolic)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${L_VERSION_SCRIPT})
  install(TARGETS ${target} LIBRARY DESTINATION ${VGPU_CLIENT_LIBDIR})
endfunction()
