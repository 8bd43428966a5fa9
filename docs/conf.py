"""Sphinx configuration of the course website (``make site``; see ``scripts/build_site.py``).

The pages themselves are generated: ``scripts/build_site.py`` writes the source folder (the
README's overview as the home page, the glossary, one page per lesson from ``lessons/*.ipynb``
with its committed outputs) and runs Sphinx with this folder as its configuration. Nothing here
may load from another host: the theme's assets are bundled, there is no MathJax (``$`` is money
in these lessons, not math) and no widget JavaScript, and ``tests/test_site.py`` fails on any
request a page makes beyond 127.0.0.1.

Why these tools: Sphinx with myst-nb is what Jupyter Book 1 builds on, renders notebooks with
their stored outputs (execution off) and builds with no network; Jupyter Book 2 / MyST fetch
their site template at build time unless it is provided locally, and MkDocs itself has had no
release since 2024-08. furo is a maintained, widely used theme whose CSS, JavaScript and icons
ship in its wheel and which uses the system's fonts (no font host).
"""

project = "Run ML for Pennies"
author = "The Run ML for Pennies authors"
copyright = "the Run ML for Pennies authors (MIT licence)"
language = "en"

extensions = ["myst_nb", "sphinx_copybutton"]

# The committed outputs are what the site shows; nbval already proves they reproduce.
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # the default loads require.js from a CDN
myst_heading_anchors = 3  # glossary.md#p95 and the like resolve to the glossary's headings
myst_enable_extensions: list[str] = []  # no dollarmath: "$500 a month" stays text

exclude_patterns = ["**.ipynb_checkpoints"]

html_theme = "furo"
html_title = "Run ML for Pennies"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_favicon = "_static/favicon.svg"  # without one, browsers ask for /favicon.ico (a 404)
html_show_sourcelink = False
html_copy_source = False  # the lesson pages link the notebook itself instead
html_theme_options = {"navigation_with_keys": True, "top_of_page_buttons": []}

# The copy button goes on code, not on the prompts or outputs.
copybutton_selector = "div.cell_input div.highlight pre"

# A lesson may go from its title to a ### heading (lesson 06's switch); that is style, not a
# broken page, so it does not fail the build. Every other warning does (scripts/build_site.py).
suppress_warnings = ["myst.header"]
