# spdlog for a cross build: the Linux libspdlog.so cannot be linked into a Windows program, so spdlog
# (and fmt, which it uses) are compiled header-only from their headers. Only the spdlog and fmt
# folders are put on the include path: adding all of /usr/include would put glibc's headers in
# front of mingw's. PORTWATCH_SPDLOG_INCLUDE_DIR names the folder that holds spdlog/ and fmt/.
set(PORTWATCH_SPDLOG_INCLUDE_DIR "/usr/include" CACHE PATH "Folder holding spdlog/ and fmt/ headers")
foreach(library spdlog fmt)
    if(NOT EXISTS "${PORTWATCH_SPDLOG_INCLUDE_DIR}/${library}")
        message(FATAL_ERROR "No ${library} headers in ${PORTWATCH_SPDLOG_INCLUDE_DIR} (Debian: libspdlog-dev, libfmt-dev); "
                            "set PORTWATCH_SPDLOG_INCLUDE_DIR to the folder that holds ${library}/.")
    endif()
endforeach()
set(portwatch_spdlog_dir "${CMAKE_BINARY_DIR}/spdlog-headers")
file(MAKE_DIRECTORY "${portwatch_spdlog_dir}")
file(CREATE_LINK "${PORTWATCH_SPDLOG_INCLUDE_DIR}/spdlog" "${portwatch_spdlog_dir}/spdlog" SYMBOLIC)
file(CREATE_LINK "${PORTWATCH_SPDLOG_INCLUDE_DIR}/fmt" "${portwatch_spdlog_dir}/fmt" SYMBOLIC)
add_library(portwatch_spdlog INTERFACE)
target_include_directories(portwatch_spdlog SYSTEM INTERFACE "${portwatch_spdlog_dir}")
target_compile_definitions(portwatch_spdlog INTERFACE SPDLOG_HEADER_ONLY SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)
add_library(spdlog::spdlog ALIAS portwatch_spdlog)
