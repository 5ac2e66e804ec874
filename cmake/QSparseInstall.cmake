# Headers, libraries and a CMake package: an external project does
# find_package(QSparse CONFIG) and links qsparse::QSparsePipelines etc.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/qsparse DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/qsparse
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.inc")

get_property(QSPARSE_EXPORTED_TARGETS GLOBAL PROPERTY QSPARSE_EXPORTED_TARGETS)
install(TARGETS ${QSPARSE_EXPORTED_TARGETS} EXPORT QSparseTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(QSPARSE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/QSparse)
install(EXPORT QSparseTargets NAMESPACE qsparse::
        DESTINATION ${QSPARSE_CMAKE_DIR})
configure_package_config_file(cmake/QSparseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/QSparseConfig.cmake
  INSTALL_DESTINATION ${QSPARSE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/QSparseConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/QSparseConfig.cmake
              ${PROJECT_BINARY_DIR}/QSparseConfigVersion.cmake
        DESTINATION ${QSPARSE_CMAKE_DIR})
