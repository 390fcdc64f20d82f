# Installs the build into a fresh prefix and imports dcmkit from there alone (not the build tree).
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env --unset=PYTHONPATH PYTHONPATH=${PREFIX}/${SITE} PYTHONDONTWRITEBYTECODE=1
          ${PYTHON} -c "import dcmkit, os; assert dcmkit.__file__.startswith(os.path.realpath('${PREFIX}')) or dcmkit.__file__.startswith('${PREFIX}'), dcmkit.__file__; ds = dcmkit.from_json('{\"00100010\": {\"vr\": \"PN\", \"Value\": [{\"Alphabetic\": \"Doe^Jane\"}]}}'); assert str(ds.PatientName) == 'Doe^Jane', ds.PatientName; print('installed dcmkit', dcmkit.__file__)"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "importing the installed package failed (${rc})")
endif()
