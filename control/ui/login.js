// The login page: a pasted token, or a `#token=…` fragment (what `ferry demo` prints),
// becomes a session cookie through POST /ui/api/login; the token is then forgotten.
import { logIn, tokenFromFragment } from './session.js';

const form = document.getElementById('login-form');
const input = document.getElementById('token');
const error = document.getElementById('login-error');

async function attempt(token) {
  error.textContent = '';
  try {
    await logIn(token);
    location.replace('/ui/');
  } catch (err) {
    error.textContent = err.message;
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void attempt(input.value);
});

const fromUrl = tokenFromFragment();
if (fromUrl) void attempt(fromUrl);
