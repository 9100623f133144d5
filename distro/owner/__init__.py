"""The shop owner's app: server-rendered pages for phones (distro/owner/pages.py), Chinese first.

How a page of the app is built (the conventions the tabs share):

* HTML pages live in `pages.py` modules, JSON API views in `views.py`. A page view is thin: parse the form with a
  schema (distro.pages.parse_form, Chinese messages), call one service, render. Rules live in the services and
  pure rule modules, never in a template; a figure a page shows comes from the function the API uses.
* Templates extend `owner/base.html` (tab bar, manifest, htmx, the stylesheet distro/static/owner/owner.css) and
  import what they need from `owner/macros.html`: money (fen as ¥1,234.56 through distro.money), field, textarea,
  select (with their Chinese error messages), page_head, csrf. Every string goes through _() (distro.i18n).
* The pages' Content-Security-Policy allows no inline script or style without the nonce and no style attribute at
  all: style with classes in owner.css; a script, if ever needed, is a static file with nonce="{{ csp_nonce() }}".
  htmx requests carry the CSRF token (base.html's hx-headers); answer them with the changed fragment, from the
  same template as the page (the HX-Request header).
* Browser tests (tests/browser/test_owner_*.py) sign in with tests/browser/owner.py's open_signed_in, call
  check_accessibility on every screen (axe-core: no serious or critical violation), and save_screen for
  docs/screens/.
"""
