# Installation of the SDK for other projects (find_package(dcmkit), pkg-config) and its packages
# (CPack: Debian packages per component, and a tarball).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DCMKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dcmkit)
install(EXPORT dcmkitTargets NAMESPACE dcmkit:: DESTINATION ${DCMKIT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dcmkitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/dcmkitConfig.cmake INSTALL_DESTINATION ${DCMKIT_CMAKE_DIR})
# The ABI promise is the SONAME's: same major version, compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dcmkitConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dcmkitConfig.cmake ${PROJECT_BINARY_DIR}/dcmkitConfigVersion.cmake
        DESTINATION ${DCMKIT_CMAKE_DIR} COMPONENT dev)
# pkg-config: relocatable (the prefix is relative to the .pc file), so that the tarball and a
# package extracted anywhere work as installed.
file(RELATIVE_PATH DCMKIT_PC_TO_PREFIX "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
configure_file(${PROJECT_SOURCE_DIR}/cmake/dcmkit.pc.in ${PROJECT_BINARY_DIR}/dcmkit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/dcmkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
install(TARGETS dcmkit_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
install(FILES ${PROJECT_SOURCE_DIR}/conformance/dcmkit-serve.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT tools)

set(CPACK_PACKAGE_NAME dcmkit)
set(CPACK_PACKAGE_VENDOR "the dcmkit project")
set(CPACK_PACKAGE_CONTACT "dcmkit developers <dev@dcmkit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB TGZ)
set(CPACK_COMPONENTS_ALL runtime dev tools)
if(DCMKIT_BUILD_PYTHON AND TARGET dcmkit_python)
  list(APPEND CPACK_COMPONENTS_ALL python)
endif()
if(DCMKIT_BUILD_SWIG)
  list(APPEND CPACK_COMPONENTS_ALL cil java)
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)
# Stripped binaries, as Debian ships them (the build tree keeps its debug information, which the ABI
# check reads).
set(CPACK_STRIP_FILES ON)
set(CPACK_ARCHIVE_COMPONENT_INSTALL OFF)  # one tarball with everything
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The libraries loaded on first use (cmake/lazy_load.cmake) are no NEEDED entry dpkg-shlibdeps
# could see: the library and the tool depend on their packages by name.
if(DCMKIT_LAZY_DEB_DEPENDS)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "${DCMKIT_LAZY_DEB_DEPENDS}")
  set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "${DCMKIT_LAZY_DEB_DEPENDS}")
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libdcmkit1)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libdcmkit-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libdcmkit1 (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME dcmkit-tools)
set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-dcmkit)
# The module links libdcmkit.so.1 of the libdcmkit1 package, which dpkg-shlibdeps cannot see here.
set(CPACK_DEBIAN_PYTHON_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "libdcmkit1 (= ${PROJECT_VERSION}), python3, python3-numpy")
# The SWIG bindings (bindings/swig) as GDCM's libgdcm-cil and libgdcm-java: their glue libraries link
# libdcmkit.so.1 of libdcmkit1, which dpkg-shlibdeps cannot see here.
set(CPACK_DEBIAN_CIL_PACKAGE_NAME libdcmkit-cil)
set(CPACK_DEBIAN_CIL_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_CIL_PACKAGE_DEPENDS "libdcmkit1 (= ${PROJECT_VERSION}), libc6, libstdc++6, mono-runtime")
set(CPACK_DEBIAN_CIL_PACKAGE_SECTION cli-mono)
set(CPACK_DEBIAN_JAVA_PACKAGE_NAME libdcmkit-java)
set(CPACK_DEBIAN_JAVA_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_JAVA_PACKAGE_DEPENDS
    "libdcmkit1 (= ${PROJECT_VERSION}), libc6, libstdc++6, default-jre-headless | java11-runtime-headless")
set(CPACK_DEBIAN_JAVA_PACKAGE_SECTION java)
set(CPACK_COMPONENT_CIL_DESCRIPTION "dcmkit: the C# binding (DcmKit.dll and its glue library, for mono)")
set(CPACK_COMPONENT_JAVA_DESCRIPTION "dcmkit: the Java binding (dcmkit.jar and its JNI library)")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "dcmkit: the C ABI shared library (libdcmkit.so.1)")
set(CPACK_COMPONENT_DEV_DESCRIPTION "dcmkit: headers, CMake package and pkg-config file")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "dcmkit: the dcmkit command-line tool (dump, transcode, send, serve…)")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION "dcmkit: the Python package")
include(CPack)
