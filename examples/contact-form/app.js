// Create Contact with fetch, and show what the API answered. No framework, no build step.
"use strict";

const DEFAULT_API = "http://127.0.0.1:8000";
const CONTACTS_PATH = "/api/contacts/";

const form = document.getElementById("contact-form");
const apiInput = document.getElementById("api");
const tokenInput = document.getElementById("token");
const simulateSelect = document.getElementById("simulate");
const statusBox = document.getElementById("status");
const formErrors = document.getElementById("form-errors");
const submitButton = document.getElementById("submit");
const result = document.getElementById("result");
const contactList = document.getElementById("contact");

// The body's fields are the form's named controls: subject, message, first_name, ...
const fields = Array.from(form.elements).filter((el) => el.name);

apiInput.value = new URLSearchParams(location.search).get("api") || DEFAULT_API;

// Messages for the states a user can do something about; the API's own text follows.
const MESSAGES = {
  created: "Contact created.",
  invalid: "The contact was not created; see the errors below.",
  unauthenticated: "You are not signed in, or your token is invalid.",
  forbidden: "You do not have permission to create contacts.",
  "server-error": "Server error, please try again in a moment.",
  "network-error": "Cannot reach the API. Check the base URL and that the server is running.",
  failed: "The request failed.",
};

function showStatus(state, detail) {
  statusBox.dataset.state = state;
  statusBox.className = "status " + (state === "created" ? "ok" : "error");
  statusBox.textContent = detail ? `${MESSAGES[state]} (${detail})` : MESSAGES[state];
  statusBox.hidden = false;
}

function clearMessages() {
  statusBox.hidden = true;
  statusBox.textContent = "";
  delete statusBox.dataset.state;
  formErrors.hidden = true;
  formErrors.replaceChildren();
  for (const field of fields) {
    field.removeAttribute("aria-invalid");
    const error = document.getElementById(`${field.name}-error`);
    error.hidden = true;
    error.textContent = "";
  }
  result.hidden = true;
  contactList.replaceChildren();
}

function addFormError(text) {
  const item = document.createElement("li");
  item.textContent = text;
  formErrors.append(item);
  formErrors.hidden = false;
}

// 400: {"field": ["message", ...]} next to each input; non_field_errors, a `detail`
// or a field this form does not have go to the top of the form.
function showFieldErrors(body) {
  let firstInvalid = null;
  for (const [name, messages] of Object.entries(body)) {
    const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
    const field = fields.find((f) => f.name === name);
    if (name === "detail" || !field) {
      addFormError(name === "detail" || name === "non_field_errors" ? text : `${name}: ${text}`);
      continue;
    }
    const error = document.getElementById(`${name}-error`);
    error.textContent = text;
    error.hidden = false;
    field.setAttribute("aria-invalid", "true");
    firstInvalid = firstInvalid || field;
  }
  showStatus("invalid");
  if (firstInvalid) firstInvalid.focus();
}

function showContact(contact) {
  for (const [name, value] of Object.entries(contact)) {
    const term = document.createElement("dt");
    term.textContent = name;
    const data = document.createElement("dd");
    data.dataset.field = name;
    data.textContent = value === null ? "null" : String(value);
    contactList.append(term, data);
  }
  result.hidden = false;
  showStatus("created", `id ${contact.id}`);
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

async function createContact(event) {
  event.preventDefault();
  clearMessages();
  const body = Object.fromEntries(fields.map((f) => [f.name, f.value]));
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json",
    Authorization: `Token ${tokenInput.value.trim()}`,
  };
  if (simulateSelect.value) headers.Prefer = simulateSelect.value; // e.g. "code=500"
  const url = apiInput.value.trim().replace(/\/+$/, "") + CONTACTS_PATH;

  submitButton.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    let response;
    try {
      response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
    } catch {
      // fetch rejects on network failures and on CORS refusals alike.
      showStatus("network-error", url);
      return;
    }
    const data = await readJson(response);
    if (response.status === 201) {
      showContact(data);
    } else if (response.status === 400) {
      showFieldErrors(data);
    } else if (response.status === 401) {
      showStatus("unauthenticated", data.detail);
    } else if (response.status === 403) {
      showStatus("forbidden", data.detail);
    } else if (response.status >= 500) {
      showStatus("server-error", `HTTP ${response.status}`);
    } else {
      showStatus("failed", `HTTP ${response.status}${data.detail ? ": " + data.detail : ""}`);
    }
  } finally {
    submitButton.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

form.addEventListener("submit", createContact);
