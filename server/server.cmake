# vgpu-server: the service, sessions, and the backends.
add_library(vgpu_backend_emu STATIC
  backends/emu/blas.cpp
  backends/emu/context.cpp
  backends/emu/emu_backend.cpp
  backends/emu/inventory.cpp
  backends/emu/memory.cpp
  backends/emu/module.cpp)
target_include_directories(vgpu_backend_emu PRIVATE ${CUDAToolkit_INCLUDE_DIRS})
target_link_libraries(vgpu_backend_emu PUBLIC vgpu_common vgpu_ptx vgpu_image vgpu_emu_blas vgpu_emu_blas_cpu)

add_library(vgpu_server_core STATIC
  backends/factory.cpp
  image_cache.cpp
  security.cpp
  token_table.cpp
  service.cpp
  session/allocation_table.cpp
  session/cancellation.cpp
  session/limits.cpp
  session/blas.cpp
  session/context.cpp
  session/event.cpp
  session/memory.cpp
  session/module.cpp
  session/session.cpp
  session/stream.cpp)
target_link_libraries(vgpu_server_core PUBLIC vgpu_common vgpu_proto vgpu_backend_emu vgpu_backend_cuda)

add_executable(vgpu-server main.cpp)
target_link_libraries(vgpu-server PRIVATE vgpu_server_core CLI11::CLI11)
set_target_properties(vgpu-server PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
install(TARGETS vgpu-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
