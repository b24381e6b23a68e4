// Loads the page named by ?src= (http or https only) into the frame; ?allow= becomes the
// iframe's allow attribute, so tests can embed with and without delegated permissions.
const params = new URLSearchParams(location.search);
const frame = document.getElementById('portal');
const src = params.get('src') ?? '';
if (/^https?:\/\//.test(src)) {
  const allow = params.get('allow');
  if (allow) frame.allow = allow;
  frame.src = src;
}
