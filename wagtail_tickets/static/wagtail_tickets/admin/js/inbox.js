/* The inbox's bar for changing many tickets (wagtail_tickets.admin.inbox_bulk).
   Tick tickets, the page's box, or then "Select all matching the filter"; the bar sends the
   ticked ids (or "all" and the inbox's filters, which the server evaluates again) and the
   chosen change to a page that asks to confirm. The listing's rows are replaced when the
   filters change: the bar follows them. */
(() => {
    "use strict";
    const form = document.getElementById("wt-bulk-form");
    if (!form) {
        return;
    }
    const allInput = form.querySelector("[data-wt-bulk-all-input]");
    const number = form.querySelector("[data-wt-bulk-number]");
    const selectAll = form.querySelector("[data-wt-bulk-select-all]");
    const matching = form.querySelector("[data-wt-bulk-matching]");
    const selected = form.querySelector("[data-wt-bulk-selected]");
    const everything = form.querySelector("[data-wt-bulk-everything]");
    const boxes = () => Array.from(document.querySelectorAll("input.wt-bulk-select"));

    function setEverything(on) {
        allInput.disabled = !on;
        everything.hidden = !on;
        selected.hidden = on;
    }

    function update() {
        const all = boxes();
        const ticked = all.filter((box) => box.checked);
        const wholePage = all.length > 0 && ticked.length === all.length;
        const pageBox = document.querySelector("input.wt-bulk-select-page");
        if (pageBox) {
            pageBox.checked = wholePage;
            pageBox.indeterminate = ticked.length > 0 && !wholePage;
        }
        if (!wholePage) {
            setEverything(false);
        }
        number.textContent = String(ticked.length);
        const table = document.querySelector("table.wt-inbox");
        const count = table ? table.dataset.wtMatching || "" : "";
        const onPage = table ? Number(table.dataset.wtPageSize || 0) : 0;
        matching.textContent = count;
        const more = Number(count.replace(/\D/g, "")) > onPage;
        selectAll.hidden = !(wholePage && more && allInput.disabled);
        form.hidden = ticked.length === 0;
    }

    document.addEventListener("change", (event) => {
        const target = event.target;
        if (target.matches("input.wt-bulk-select-page")) {
            boxes().forEach((box) => {
                box.checked = target.checked;
            });
            update();
        } else if (target.matches("input.wt-bulk-select")) {
            update();
        }
    });
    selectAll.addEventListener("click", () => {
        setEverything(true);
        update();
    });
    form.querySelector("[data-wt-bulk-clear]").addEventListener("click", () => {
        boxes().forEach((box) => {
            box.checked = false;
        });
        setEverything(false);
        update();
    });
    form.addEventListener("submit", () => {
        // the inbox's view as the address bar has it (the listing keeps it there)
        form.elements.query.value = window.location.search.replace(/^\?/, "");
    });
    const results = document.getElementById("listing-results");
    if (results) {
        new MutationObserver(update).observe(results, { childList: true });
    }
    update();
})();

/* The inbox's live refresh: every few seconds the listing's results are read again with the
   filters in the address bar and replace the rows, so new tickets show up without a reload.
   The polite live region [data-wt-inbox-news] then says how many tickets are new since the
   view was opened; when none arrived it stays silent. The refresh waits while tickets are
   ticked, while the keyboard focus is inside the listing, while the page is hidden and
   while Wagtail itself is refreshing the listing (a change of filters). */
(() => {
    "use strict";
    const news = document.querySelector("[data-wt-inbox-news]");
    const results = document.getElementById("listing-results");
    if (!news || !results) {
        return;
    }
    const seconds = Number(news.dataset.wtRefreshSeconds || 0);
    if (!(seconds > 0)) {
        return;
    }
    const numbers = (root) =>
        Array.from(root.querySelectorAll("table.wt-inbox a.wt-number"), (link) =>
            link.textContent.trim(),
        );
    let known = new Set(numbers(results));
    let lastHtml = null;
    let replacing = false;

    // a change of filters (Wagtail's own refresh) starts a new view: its rows are not news
    new MutationObserver(() => {
        if (!replacing) {
            known = new Set(numbers(results));
            lastHtml = null;
        }
    }).observe(results, { childList: true });

    function announce(count) {
        // emptied first, so the same words twice are still announced twice
        news.textContent = "";
        window.setTimeout(() => {
            news.textContent = `${news.dataset.wtNewLabel} ${count}`;
        }, 100);
    }

    function busy() {
        return (
            document.hidden ||
            results.getAttribute("aria-busy") === "true" ||
            results.contains(document.activeElement) ||
            document.querySelector("input.wt-bulk-select:checked, input.wt-bulk-select-page:checked")
        );
    }

    async function refresh() {
        if (busy()) {
            return;
        }
        let html;
        try {
            const response = await fetch(news.dataset.wtRefreshUrl + window.location.search, {
                credentials: "same-origin",
                headers: { "X-Requested-With": "XMLHttpRequest" },
            });
            if (!response.ok) {
                return;
            }
            html = await response.text();
        } catch (error) {
            return;
        }
        if (busy()) {
            return;
        }
        if (html === lastHtml) {
            return;
        }
        lastHtml = html;
        const fresh = document.createElement("template");
        fresh.innerHTML = html;
        const rows = numbers(fresh.content);
        const arrived = rows.filter((number) => !known.has(number));
        replacing = true;
        results.innerHTML = html;
        window.setTimeout(() => {
            replacing = false;
        });
        rows.forEach((number) => known.add(number));
        if (arrived.length) {
            announce(arrived.length);
        }
    }

    window.setInterval(refresh, seconds * 1000);
})();
