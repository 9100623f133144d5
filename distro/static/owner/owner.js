// A refused form comes back as a new page opened at the top, its message maybe below the fold: bring the first field
// the server marked invalid to the middle of the screen and focus it, so the owner sees what to put right.
(function () {
  var field = document.querySelector('[aria-invalid="true"]');
  if (!field) return;
  field.scrollIntoView({block: "center"});
  field.focus({preventScroll: true});
})();
