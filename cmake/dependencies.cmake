# Every third-party library tafel links, found once. Modules link the imported targets
# PRIVATE so that no C library header leaks into another module's headers.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)   # libcrypto: HMAC-SHA256 of the control API (core/hmac.cpp)

pkg_check_modules(LIBAV REQUIRED IMPORTED_TARGET
  libavcodec libavformat libavutil libswscale libswresample libavfilter)
pkg_check_modules(VPX REQUIRED IMPORTED_TARGET vpx)
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(X264 REQUIRED IMPORTED_TARGET x264)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
pkg_check_modules(PANGO REQUIRED IMPORTED_TARGET pangocairo)
pkg_check_modules(POPPLER REQUIRED IMPORTED_TARGET poppler-glib)
pkg_check_modules(RSVG REQUIRED IMPORTED_TARGET librsvg-2.0)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(GST REQUIRED IMPORTED_TARGET gstreamer-1.0 gstreamer-app-1.0)

# tafel_module(<name> [PUBLIC …] [PRIVATE …]): the library of one module folder, built from
# every .cpp in the folder and its sub-folders, exported as tafel::<name>.
function(tafel_module name)
  cmake_parse_arguments(ARG "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(sources)
    add_library(tafel_${name} STATIC ${sources})
    target_include_directories(tafel_${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(tafel_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  else()
    # A module with headers only so far.
    add_library(tafel_${name} INTERFACE)
    target_include_directories(tafel_${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(tafel_${name} INTERFACE ${ARG_PUBLIC})
  endif()
  add_library(tafel::${name} ALIAS tafel_${name})
endfunction()
