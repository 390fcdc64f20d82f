# Installs the build into a fresh prefix and imports dcmkit from there alone (not the build tree).
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
# Every module of the build tree's package (python/dcmkit's files, subpackages included, and the
# generated sop.py) is installed at the same place.
file(GLOB_RECURSE built RELATIVE ${BUILD_DIR}/python/dcmkit ${BUILD_DIR}/python/dcmkit/*.py ${BUILD_DIR}/python/dcmkit/*.pyi)
file(GLOB_RECURSE installed RELATIVE ${PREFIX}/${SITE}/dcmkit ${PREFIX}/${SITE}/dcmkit/*.py ${PREFIX}/${SITE}/dcmkit/*.pyi)
list(SORT built)
list(SORT installed)
if(NOT built STREQUAL installed)
  message(FATAL_ERROR "the installed package holds [${installed}], the build tree's [${built}]")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env --unset=PYTHONPATH PYTHONPATH=${PREFIX}/${SITE} PYTHONDONTWRITEBYTECODE=1
          ${PYTHON} -c "import dcmkit, os; assert dcmkit.__file__.startswith(os.path.realpath('${PREFIX}')) or dcmkit.__file__.startswith('${PREFIX}'), dcmkit.__file__; ds = dcmkit.from_json('{\"00100010\": {\"vr\": \"PN\", \"Value\": [{\"Alphabetic\": \"Doe^Jane\"}]}}'); assert str(ds.PatientName) == 'Doe^Jane', ds.PatientName; import dcmkit.net; assert os.path.dirname(dcmkit.net.__file__) == os.path.join(os.path.dirname(dcmkit.__file__), 'net'), dcmkit.net.__file__; print('installed dcmkit', dcmkit.__file__)"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "importing the installed package failed (${rc})")
endif()
