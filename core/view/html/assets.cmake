# The HTML page's template, style and script are real files in this folder;
# they are pasted into the binary as string constants at build time, so the
# page `gosim view --html` writes needs nothing from disk or the network.
# Included from core/view/CMakeLists.txt after gosim_view is defined.
set(GOSIM_HTML_ASSETS
  ${CMAKE_CURRENT_SOURCE_DIR}/html/page.html
  ${CMAKE_CURRENT_SOURCE_DIR}/html/style.css
  ${CMAKE_CURRENT_SOURCE_DIR}/html/app.js
)
set(GOSIM_HTML_ASSETS_CPP ${CMAKE_CURRENT_BINARY_DIR}/html_assets.cpp)
add_custom_command(
  OUTPUT ${GOSIM_HTML_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND}
    -DOUT=${GOSIM_HTML_ASSETS_CPP}
    -DPAGE=${CMAKE_CURRENT_SOURCE_DIR}/html/page.html
    -DSTYLE=${CMAKE_CURRENT_SOURCE_DIR}/html/style.css
    -DSCRIPT=${CMAKE_CURRENT_SOURCE_DIR}/html/app.js
    -P ${CMAKE_CURRENT_SOURCE_DIR}/html/embed.cmake
  DEPENDS ${GOSIM_HTML_ASSETS} ${CMAKE_CURRENT_SOURCE_DIR}/html/embed.cmake
  COMMENT "Embedding the HTML view's page, style and script"
  VERBATIM)
target_sources(gosim_view PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/html.cpp ${GOSIM_HTML_ASSETS_CPP})
