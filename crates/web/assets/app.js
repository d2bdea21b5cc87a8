// 三服务: the little the pages need beyond HTML. Everything still works without it.
(function () {
  'use strict';
  // Ctrl+Enter (⌘+Enter) submits the form being filled.
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target.form) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  var phone = document.getElementById('citizen_phone');
  var earlier = document.getElementById('earlier');
  if (phone && earlier) {
    var last = '';
    var show = function () {
      var p = phone.value.replace(/\s+/g, '');
      if (p === last || p.length < 7) return;
      last = p;
      fetch('/api/orders?per_page=5&phone=' + encodeURIComponent(p), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : { items: [], total: 0 }; })
        .then(function (page) {
          earlier.textContent = '';
          if (!page.items || page.items.length === 0) {
            earlier.textContent = '该号码没有历史工单。';
            return;
          }
          var head = document.createElement('p');
          head.textContent = '共 ' + page.total + ' 件，最近的：';
          earlier.appendChild(head);
          var ul = document.createElement('ul');
          page.items.forEach(function (o) {
            var li = document.createElement('li');
            var a = document.createElement('a');
            a.href = '/orders/' + encodeURIComponent(o.number);
            a.textContent = o.number;
            li.appendChild(a);
            li.appendChild(document.createTextNode(' ' + o.subject + '（' + o.state_label + '）'));
            ul.appendChild(li);
          });
          earlier.appendChild(ul);
        })
        .catch(function () {});
    };
    phone.addEventListener('change', show);
    phone.addEventListener('blur', show);
  }

  // A category brings its default unit into the dispatch field, unless one was chosen.
  var category = document.getElementById('category');
  var lead = document.getElementById('lead_unit');
  if (category && lead) {
    category.addEventListener('change', function () {
      var opts = document.querySelectorAll('#category-list option');
      for (var i = 0; i < opts.length; i++) {
        if (opts[i].value === category.value && opts[i].dataset.unit && !lead.value) {
          lead.value = opts[i].dataset.unit;
        }
      }
    });
  }
})();
