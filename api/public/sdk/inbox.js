/*
 * The in-app inbox for a product's own pages: plain ES2018, no build step, no dependencies.
 *
 *   <div id="inbox"></div>
 *   <script src="https://gtm.example.com/sdk/inbox.js"></script>
 *   <script>GTMInbox.mount(document.getElementById('inbox'), { token, baseUrl: 'https://gtm.example.com' });</script>
 *
 * `token` comes from your server (POST /v1/contacts/:id/inbox/token, with your API key, for the signed-in user); it
 * is kept in memory only. Each message body is shown in a sandboxed iframe (srcdoc, no allow-scripts), so its scripts
 * and event handlers never run; links in it are reported to the click route and then opened, in a new tab or by
 * `onClick(url, message)` when given. A message is marked read once half of it has been on screen.
 */
(function () {
  'use strict';

  const FRAME_HEAD =
    '<!doctype html><html><head><meta charset="utf-8">' +
    "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; object-src 'none'; form-action 'none'\">" +
    '<style>body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#222}img{max-width:100%;height:auto}</style>' +
    '</head><body>';

  let mounts = 0;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach((name) => node.setAttribute(name, attrs[name]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function mount(element, options) {
    const opts = options || {};
    if (!element || element.nodeType !== 1)
      throw new TypeError('GTMInbox.mount: the first argument must be an element');
    if (typeof opts.token !== 'string' || opts.token === '') {
      throw new TypeError(
        'GTMInbox.mount: options.token is required (your server gets it from POST /v1/contacts/:id/inbox/token)',
      );
    }
    const base = String(opts.baseUrl || '').replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(base)) {
      throw new TypeError(
        'GTMInbox.mount: options.baseUrl must be the http(s) address of the GTM API, e.g. https://gtm.example.com',
      );
    }
    const token = opts.token;
    const ns = 'gtm-inbox-' + ++mounts;
    let unread = 0;
    let observer;

    function call(method, path, body) {
      return fetch(base + path, {
        method,
        mode: 'cors',
        credentials: 'omit',
        keepalive: method === 'POST',
        headers: Object.assign(
          { Authorization: 'Bearer ' + token },
          body ? { 'Content-Type': 'application/json' } : {},
        ),
        body: body ? JSON.stringify(body) : undefined,
      }).then((res) => {
        if (res.status === 401) throw new Error('Your session has expired: reload the page to see your messages.');
        if (!res.ok) throw new Error('Messages could not be loaded (HTTP ' + res.status + ').');
        return res.status === 204 ? null : res.json();
      });
    }

    const root = el('section', { class: 'gtm-inbox', 'aria-labelledby': ns + '-heading' });
    const heading = el('h2', { id: ns + '-heading', class: 'gtm-inbox-heading', tabindex: '-1' }, 'Inbox ');
    const badge = el('span', { class: 'gtm-inbox-badge' });
    const status = el('p', { class: 'gtm-inbox-status', role: 'status', 'aria-live': 'polite' });
    const list = el('ul', { class: 'gtm-inbox-list', role: 'list' });
    heading.appendChild(badge);
    root.append(heading, status, list);
    element.replaceChildren(root);

    function setUnread(n) {
      unread = Math.max(0, n);
      badge.textContent = unread > 0 ? unread + ' unread' : '';
      badge.hidden = unread === 0;
    }

    function say(text) {
      status.textContent = text;
    }

    function markRead(item, message) {
      if (message.readAt) return;
      message.readAt = new Date().toISOString();
      item.removeAttribute('data-unread');
      setUnread(unread - 1);
      call('POST', '/sdk/v1/inbox/' + encodeURIComponent(message.id) + '/read').catch((err) => say(err.message));
    }

    function openLink(url, message) {
      call('POST', '/sdk/v1/inbox/' + encodeURIComponent(message.id) + '/click', { url }).catch(() => undefined);
      if (typeof opts.onClick === 'function') opts.onClick(url, message);
      else window.open(url, '_blank', 'noopener');
    }

    function frameFor(message) {
      const frame = el('iframe', {
        class: 'gtm-inbox-body',
        title: 'Message: ' + message.title,
        // Same origin so this script can size the frame and catch link clicks; no scripts, forms or navigation.
        sandbox: 'allow-same-origin',
        referrerpolicy: 'no-referrer',
      });
      frame.style.cssText = 'width:100%;border:0;display:block';
      frame.srcdoc = FRAME_HEAD + message.html + '</body></html>';
      frame.addEventListener('load', () => {
        const doc = frame.contentDocument;
        if (!doc) return;
        const fit = () => {
          // The document's own height: its scrollHeight is never less than the frame's, so it could only grow.
          frame.style.height = Math.ceil(doc.documentElement.getBoundingClientRect().height) + 'px';
        };
        fit();
        doc.querySelectorAll('img').forEach((img) => img.addEventListener('load', fit));
        doc.addEventListener('click', (event) => {
          const link = event.target.closest && event.target.closest('a[href]');
          if (!link) return;
          event.preventDefault();
          if (/^https?:/i.test(link.href)) openLink(link.href, message);
        });
      });
      return frame;
    }

    function itemFor(message) {
      const item = el('li', { class: 'gtm-inbox-item', 'data-id': message.id });
      if (!message.readAt) item.setAttribute('data-unread', '');
      const titleId = ns + '-title-' + message.id;
      const article = el('article', { 'aria-labelledby': titleId });
      const title = el('h3', { id: titleId, class: 'gtm-inbox-title' }, message.title);
      const dismiss = el(
        'button',
        { type: 'button', class: 'gtm-inbox-dismiss', 'aria-label': 'Dismiss: ' + message.title },
        'Dismiss',
      );
      dismiss.addEventListener('click', () => {
        const next = item.nextElementSibling || item.previousElementSibling;
        if (!message.readAt) setUnread(unread - 1);
        if (observer) observer.unobserve(item);
        item.remove();
        say('Message dismissed.');
        (next ? next.querySelector('button') : heading).focus();
        call('POST', '/sdk/v1/inbox/' + encodeURIComponent(message.id) + '/dismiss').catch((err) => say(err.message));
      });
      article.append(title, frameFor(message), dismiss);
      item.appendChild(article);
      item.gtmMessage = message;
      return item;
    }

    function render(inbox) {
      if (observer) observer.disconnect();
      list.replaceChildren();
      setUnread(inbox.unread);
      say(inbox.messages.length === 0 ? 'No messages.' : '');
      observer = window.IntersectionObserver
        ? new IntersectionObserver(
            (entries) =>
              entries.forEach((entry) => {
                if (!entry.isIntersecting) return;
                observer.unobserve(entry.target);
                markRead(entry.target, entry.target.gtmMessage);
              }),
            { threshold: 0.5 },
          )
        : undefined;
      inbox.messages.forEach((message) => {
        const item = itemFor(message);
        list.appendChild(item);
        if (message.readAt) return;
        if (observer) observer.observe(item);
        else markRead(item, message);
      });
    }

    function refresh() {
      return call('GET', '/sdk/v1/inbox')
        .then(render)
        .catch((err) => say(err.message));
    }

    refresh();
    return {
      /** Loads the messages again. */
      refresh,
      /** Stops watching and empties the element. */
      destroy() {
        if (observer) observer.disconnect();
        element.replaceChildren();
      },
    };
  }

  window.GTMInbox = { mount };
})();
