// The development sign-in page: POST /dev/sign-in sets the refresh cookie and answers an access
// token, handed to the page that asked (return_to) in the fragment, as the SSO redirect does.
const form = document.getElementById("sign-in");
const status = document.getElementById("sign-in-status");

function returnTo() {
  const asked = new URLSearchParams(location.search).get("return_to");
  try {
    const url = new URL(asked ?? "/tools/woop.html", location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url : new URL("/tools/woop.html", location.href);
  } catch {
    return new URL("/tools/woop.html", location.href);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "Signing in…";
  const body = { email: form.email.value.trim() };
  if (form.name.value.trim()) body.name = form.name.value.trim();
  const answer = await fetch("/dev/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "include",
  });
  const reply = await answer.json();
  if (!answer.ok) {
    status.textContent = `Not signed in: ${reply.error.message}`;
    return;
  }
  const target = returnTo();
  target.hash = new URLSearchParams({ access_token: reply.data.access_token, token_type: "Bearer" }).toString();
  location.assign(target.href);
});
