// Strongroom hosted card form. Same-origin, dependency-free, loaded under a CSP of 'self' only.
// It checks what it can locally (Luhn, lengths, expiry) for fast feedback, but the vault validates
// again: the completion endpoint is the authority. Card data goes only to that endpoint.
(function () {
  "use strict";

  var main = document.getElementById("session");
  if (!main || main.dataset.state !== "open") {
    return;
  }

  var sessionId = main.dataset.sessionId;
  var kind = main.dataset.kind;
  var returnUrl = main.dataset.returnUrl;
  var parentOrigins = (main.dataset.parentOrigins || "").split(" ").filter(Boolean);
  var form = document.getElementById("card-form");
  var submit = document.getElementById("submit");
  var formError = document.getElementById("form-error");
  var fields = {
    account_number: { input: document.getElementById("card-number"), error: document.getElementById("card-number-error") },
    expiry: { input: document.getElementById("card-expiry"), error: document.getElementById("card-expiry-error") },
    security_code: { input: document.getElementById("card-cvc"), error: document.getElementById("card-cvc-error") },
    cardholder_name: { input: document.getElementById("cardholder-name"), error: document.getElementById("cardholder-name-error") }
  };
  var schemeBadge = document.getElementById("card-scheme");

  // Same ranges as the vault's scheme detection (CardSchemes.Detect); a hint only.
  function detectScheme(digits) {
    if (digits.length < 1) return null;
    var p2 = +digits.slice(0, 2), p3 = +digits.slice(0, 3), p4 = +digits.slice(0, 4);
    if (digits[0] === "4") return { name: "Visa", cvc: 3, groups: [4, 4, 4, 4, 3] };
    if (digits.length >= 2 && ((p2 >= 51 && p2 <= 55) || (digits.length >= 4 && p4 >= 2221 && p4 <= 2720))) return { name: "Mastercard", cvc: 3, groups: [4, 4, 4, 4] };
    if (p2 === 34 || p2 === 37) return { name: "American Express", cvc: 4, groups: [4, 6, 5] };
    if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return { name: "Discover", cvc: 3, groups: [4, 4, 4, 4, 3] };
    if (p4 >= 3528 && p4 <= 3589) return { name: "JCB", cvc: 3, groups: [4, 4, 4, 4, 3] };
    if ((p3 >= 300 && p3 <= 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) return { name: "Diners Club", cvc: 3, groups: [4, 6, 4, 5] };
    if (p2 === 62 || p2 === 81) return { name: "UnionPay", cvc: 3, groups: [4, 4, 4, 4, 3] };
    return null;
  }

  function luhn(digits) {
    var sum = 0, double = false;
    for (var i = digits.length - 1; i >= 0; i--) {
      var d = digits.charCodeAt(i) - 48;
      if (double) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
      double = !double;
    }
    return sum % 10 === 0;
  }

  function digitsOf(value) { return value.replace(/\D/g, ""); }

  function group(digits, groups) {
    var out = [], at = 0;
    for (var i = 0; i < groups.length && at < digits.length; i++) {
      out.push(digits.slice(at, at + groups[i]));
      at += groups[i];
    }
    if (at < digits.length) out.push(digits.slice(at));
    return out.join(" ");
  }

  function setError(name, message) {
    var f = fields[name];
    f.error.textContent = message || "";
    if (message) f.input.setAttribute("aria-invalid", "true"); else f.input.removeAttribute("aria-invalid");
  }

  function clearErrors() {
    Object.keys(fields).forEach(function (name) { setError(name, ""); });
    formError.textContent = "";
  }

  // Card number: live grouping, scheme hint and Luhn feedback once the number looks complete.
  // Regrouping rewrites the value, so the caret is put back after the same number of digits.
  fields.account_number.input.addEventListener("input", function (event) {
    var input = event.target;
    var caretDigits = digitsOf(input.value.slice(0, input.selectionStart || 0)).length;
    var digits = digitsOf(input.value).slice(0, 19);
    var scheme = detectScheme(digits);
    input.value = group(digits, scheme ? scheme.groups : [4, 4, 4, 4, 3]);
    var caret = 0;
    for (var seen = 0; caret < input.value.length && seen < caretDigits; caret++) {
      if (input.value[caret] !== " ") seen++;
    }
    if (document.activeElement === input) input.setSelectionRange(caret, caret);
    schemeBadge.textContent = scheme ? scheme.name : "";
    // 3 or 4 digits for every scheme, as the vault accepts by default; a tenant that opted in to scheme lengths gets the
    // server's answer on this field (the hint still says what is usual).
    if (digits.length >= typicalLength(scheme) && !luhn(digits)) {
      setError("account_number", "This card number is not valid. Please check it.");
    } else {
      setError("account_number", "");
    }
  });

  // The length most cards of the scheme have: the point where a Luhn failure is worth showing while typing.
  function typicalLength(scheme) {
    if (!scheme) return 16;
    if (scheme.name === "American Express") return 15;
    if (scheme.name === "Diners Club") return 14;
    return 16;
  }

  // Expiry: accept "1234", "12/34", "1/34" or "12 / 2034"; insert the slash as the cardholder types.
  fields.expiry.input.addEventListener("input", function (event) {
    var input = event.target;
    var deleting = event.inputType && event.inputType.indexOf("delete") === 0;
    var raw = input.value;
    var digits = digitsOf(raw).slice(0, 6);
    if (/^\s*\d\s*\//.test(raw)) digits = ("0" + digits).slice(0, 6);
    else if (digits.length === 1 && digits > "1") digits = "0" + digits;
    input.value = digits.length > 2 || (digits.length === 2 && !deleting) ? digits.slice(0, 2) + "/" + digits.slice(2) : digits;
    setError("expiry", "");
  });

  fields.security_code.input.addEventListener("input", function (event) {
    event.target.value = digitsOf(event.target.value).slice(0, event.target.maxLength > 0 ? event.target.maxLength : 4);
    setError("security_code", "");
  });

  fields.cardholder_name.input.addEventListener("input", function () { setError("cardholder_name", ""); });

  // Leaving a filled-in number that fails Luhn says so at once, whatever its length.
  fields.account_number.input.addEventListener("blur", function (event) {
    var digits = digitsOf(event.target.value);
    if (digits.length >= 12 && !luhn(digits)) setError("account_number", "This card number is not valid. Please check it.");
  });

  function parseExpiry(value) {
    var digits = digitsOf(value);
    if (digits.length !== 4 && digits.length !== 6) return null;
    var month = +digits.slice(0, 2);
    var year = digits.length === 4 ? 2000 + +digits.slice(2) : +digits.slice(2);
    return { month: month, year: year };
  }

  // Local checks; returns the request body, or null after showing errors.
  function collect() {
    clearErrors();
    var ok = true;
    var body = {};
    var cvc = fields.security_code.input.value;

    if (kind === "security_code") {
      if (!/^\d{3,4}$/.test(cvc)) { setError("security_code", "Enter the 3 or 4 digit security code."); ok = false; }
      body.security_code = cvc;
      return ok ? body : null;
    }

    var digits = digitsOf(fields.account_number.input.value);
    if (digits.length < 12 || digits.length > 19) {
      setError("account_number", "Enter the full card number."); ok = false;
    } else if (!luhn(digits)) {
      setError("account_number", "This card number is not valid. Please check it."); ok = false;
    }

    var expiry = parseExpiry(fields.expiry.input.value);
    var now = new Date();
    if (!expiry || expiry.month < 1 || expiry.month > 12) {
      setError("expiry", "Enter the expiry date as MM/YY."); ok = false;
    } else if (expiry.year < now.getFullYear() || (expiry.year === now.getFullYear() && expiry.month < now.getMonth() + 1)) {
      setError("expiry", "This card has expired."); ok = false;
    }

    if (cvc && !/^\d{3,4}$/.test(cvc)) {
      setError("security_code", "Enter the 3 or 4 digit security code."); ok = false;
    }

    var name = fields.cardholder_name.input.value.trim();
    if (!ok) return null;
    body.account_number = digits;
    body.expiry_month = expiry.month;
    body.expiry_year = expiry.year;
    if (cvc) body.security_code = cvc;
    if (name) body.cardholder_name = name;
    return body;
  }

  // The vault's validation paths, mapped back to the fields they belong to.
  var pathToField = {
    "$.account_number": "account_number",
    "$.expiry_month": "expiry",
    "$.expiry_year": "expiry",
    "$.security_code": "security_code",
    "$.cardholder_name": "cardholder_name"
  };

  function focusFirstInvalid() {
    var invalid = form.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  }

  function finish(result) {
    main.dataset.state = "completed";
    var card = result.card;
    document.getElementById("result-card").textContent = card
      ? (kind === "security_code" ? "Security code saved for " : "") + card.scheme.replace(/\b\w/g, function (c) { return c.toUpperCase(); }) + " " + card.masked_account_number
      : "Done.";
    var section = document.getElementById("result");
    section.hidden = false;
    section.setAttribute("tabindex", "-1");
    section.focus();

    // Tell the embedding checkout page, if any; postMessage delivers only to a matching origin.
    var message = { type: "strongroom:session.completed", session_id: result.session_id, status: result.status, pci_token_id: result.pci_token_id, network_token_id: result.network_token_id, card: card };
    if (window.parent !== window) {
      parentOrigins.forEach(function (origin) { window.parent.postMessage(message, origin); });
    }

    if (returnUrl) {
      var target = new URL(returnUrl);
      target.searchParams.set("session_id", result.session_id);
      target.searchParams.set("status", result.status);
      window.setTimeout(function () { window.location.assign(target.toString()); }, 1200);
    }
  }

  var closed = false;
  var submitLabel = kind === "security_code" ? "Confirm" : "Save card";

  function closeForm(message) {
    closed = true;
    formError.textContent = message;
    Array.prototype.forEach.call(form.elements, function (element) { element.disabled = true; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = collect();
    if (!body) { focusFirstInvalid(); return; }

    submit.disabled = true;
    submit.textContent = "Saving…";
    fetch("/sessions/" + encodeURIComponent(sessionId) + "/complete", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (payload) {
        if (response.ok) { finish(payload); return; }
        if (response.status === 422) {
          var shown = false;
          (payload.validation_errors || []).forEach(function (error) {
            var name = pathToField[error.path];
            if (name && !fields[name].error.textContent) { setError(name, error.message); shown = true; }
          });
          var left = response.headers.get("x-attempts-remaining");
          if (left === "0") closeForm("Too many attempts. Please return to the merchant and start again.");
          else if (!shown) formError.textContent = "Please check your card details.";
          focusFirstInvalid();
        } else if (response.status === 409) {
          closeForm("This card form has already been used.");
        } else if (response.status === 410) {
          closeForm(payload.classifier === "SESSION_LOCKED"
            ? "Too many attempts. Please return to the merchant and start again."
            : "This card form has expired. Please return to the merchant and start again.");
        } else if (response.status === 429) {
          formError.textContent = "Too many attempts from your network. Please wait a minute and try again.";
        } else {
          formError.textContent = "Something went wrong. Please try again.";
        }
      });
    }, function () {
      formError.textContent = "The connection failed. Please check your network and try again.";
    }).then(function () {
      if (main.dataset.state !== "completed") {
        submit.textContent = submitLabel;
        submit.disabled = closed;
      }
    });
  });

  if (kind === "security_code") {
    document.getElementById("title").textContent = "Security code";
    submit.textContent = submitLabel;
    fields.security_code.input.focus();
  } else {
    fields.account_number.input.focus();
  }
})();
