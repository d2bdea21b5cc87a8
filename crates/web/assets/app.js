// 三服务: the little the pages need beyond HTML. Everything still works without it.
(function () {
  // 大字模式 on the public site: larger text for older citizens, remembered on this device.
  var sizeBtn = document.getElementById('text-size');
  var applySize = function (on) {
    document.documentElement.classList.toggle('large', on);
    if (sizeBtn) { sizeBtn.setAttribute('aria-pressed', on ? 'true' : 'false'); sizeBtn.textContent = on ? '标准字号' : '大字'; }
  };
  try { applySize(localStorage.getItem('sanfu-large') === '1'); } catch (e) {}
  if (sizeBtn) {
    sizeBtn.addEventListener('click', function () {
      var on = !document.documentElement.classList.contains('large');
      applySize(on);
      try { localStorage.setItem('sanfu-large', on ? '1' : '0'); } catch (e) {}
    });
  }

  'use strict';
  // Ctrl+Enter (⌘+Enter) submits the form being filled.
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target.form) {
      e.preventDefault();
      e.target.form.requestSubmit();
    }
  });

  // A JSON request to the API with the page's session; `otherwise` stands in for a refusal.
  // The session's CSRF token goes with every write: the API refuses cookie-authenticated writes without it.
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var postJson = function (url, body, otherwise) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfMeta ? csrfMeta.content : '' },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : otherwise; });
  };

  // Runs `fn` when the user leaves `el`, and `ms` after they stop typing in it.
  var whenTyped = function (el, fn, ms) {
    var timer = null;
    el.addEventListener('blur', fn);
    el.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    });
  };

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
        // Chosen from the list (its path) or typed as its code.
        var picked = opts[i].value === category.value || opts[i].label === category.value;
        if (picked && opts[i].dataset.unit && !lead.value) {
          lead.value = opts[i].dataset.unit;
        }
      }
    });
  }

  // 智能派单: a suggested category and unit for the text typed, with the words that weighed
  // most; 采用 fills the two fields.
  var content = document.getElementById('content');
  var box = document.getElementById('suggest');
  if (content && box && category && lead) {
    var asked = '';
    var ask = function () {
      var subject = document.getElementById('subject');
      var text = content.value.trim();
      if (text.length < 6 || text === asked) return;
      asked = text;
      postJson('/api/suggest', { subject: subject ? subject.value : '', content: text }, { suggestion: null })
        .then(function (res) {
          var s = res.suggestion;
          box.textContent = '';
          box.className = '';
          if (!s) {
            box.className = 'muted';
            box.textContent = '暂无建议，请人工判断。';
            return;
          }
          var line = function (label, value) {
            var p = document.createElement('p');
            var b = document.createElement('b');
            b.textContent = label;
            p.appendChild(b);
            p.appendChild(document.createTextNode(value));
            box.appendChild(p);
            return p;
          };
          // Shown as at most 99%: a suggestion is never certain.
          var pct = function (x) { return Math.min(99, Math.round(x * 100)) + '%'; };
          if (s.category_name) line('分类：', s.category_name + '（' + pct(s.category_confidence) + '）');
          var u = line('承办单位：', s.unit_name + '（' + (s.source === 'rule' ? '规则' : pct(s.confidence)) + '）');
          u.id = 'suggest-unit';
          line(s.source === 'rule' ? '依据规则：' : '主要依据：', s.terms.map(function (t) { return t.replace(/ /g, ''); }).join('、'));
          if (s.confidence < 0.6) line('', '置信度较低，请人工核实。').className = 'warn';
          var btn = document.createElement('button');
          btn.type = 'button';
          btn.id = 'suggest-apply';
          btn.className = 'secondary';
          btn.textContent = '采用建议';
          btn.addEventListener('click', function () {
            if (s.category_path) category.value = s.category_path;
            lead.value = s.unit_name;
          });
          box.appendChild(btn);
        })
        .catch(function () {});
    };
    whenTyped(content, ask, 800);
  }

  // 查重: open orders of recent days that may be the same problem; 合并 registers this call
  // as a duplicate of the one chosen.
  var simCard = document.getElementById('similar-card');
  var sim = document.getElementById('similar');
  var mergeInto = document.getElementById('merge_into');
  var mergeNote = document.getElementById('merge-note');
  if (content && sim && simCard && mergeInto) {
    var lastSim = '';
    var check = function () {
      var text = content.value.trim();
      var ph = phone ? phone.value.trim() : '';
      var addr = document.getElementById('address');
      var key = text + '|' + ph;
      if (text.length < 6 || key === lastSim) return;
      lastSim = key;
      var subj = document.getElementById('subject');
      postJson('/api/orders/similar', { subject: subj ? subj.value : '', content: text, citizen_phone: ph, address: addr ? addr.value : '' }, { items: [] })
        .then(function (res) {
          sim.textContent = '';
          simCard.hidden = !res.items || res.items.length === 0;
          (res.items || []).forEach(function (it) {
            var p = document.createElement('p');
            p.className = 'similar-item';
            var a = document.createElement('a');
            a.href = '/orders/' + encodeURIComponent(it.order.number);
            a.target = '_blank';
            a.textContent = it.order.number;
            p.appendChild(a);
            var why = [];
            if (it.likely_duplicate) why.push('高度疑似重复');
            if (it.same_caller) why.push('同一来电人');
            if (it.same_place) why.push('同一地点');
            why.push('相似度 ' + Math.round(it.similarity * 100) + '%');
            p.appendChild(document.createTextNode(' ' + it.order.subject + '（' + it.order.state_label + '，' + why.join('，') + '）'));
            var b = document.createElement('button');
            b.type = 'button';
            b.className = 'secondary merge-button';
            b.textContent = '作为重复件并入此单';
            b.addEventListener('click', function () {
              mergeInto.value = it.order.number;
              if (mergeNote) {
                mergeNote.hidden = false;
                mergeNote.textContent = '登记后将作为重复件并入 ' + it.order.number + '（不再派单）。';
              }
            });
            p.appendChild(b);
            sim.appendChild(p);
          });
        })
        .catch(function () {});
    };
    whenTyped(content, check, 900);
    if (phone) phone.addEventListener('change', check);
  }

  // 知识库: answers that may settle the call at once; 直接办结 registers it and closes it
  // with the entry's text as the answer.
  var kbCard = document.getElementById('kb-card');
  var kb = document.getElementById('kb');
  var kbId = document.getElementById('knowledge_id');
  if (content && kb && kbCard && kbId) {
    var lastKb = '';
    var lookUp = function () {
      var text = content.value.trim();
      if (text.length < 4 || text === lastKb) return;
      lastKb = text;
      postJson('/api/knowledge/related', { content: text }, { items: [] })
        .then(function (res) {
          kb.textContent = '';
          kbCard.hidden = !res.items || res.items.length === 0;
          (res.items || []).forEach(function (e) {
            var div = document.createElement('div');
            div.className = 'kb-item';
            var h = document.createElement('strong');
            h.textContent = e.title;
            div.appendChild(h);
            var p = document.createElement('p');
            p.className = 'small';
            p.textContent = e.content;
            div.appendChild(p);
            var b = document.createElement('button');
            b.type = 'button';
            b.className = 'secondary kb-use';
            b.textContent = '用此条答复并直接办结';
            b.addEventListener('click', function () {
              kbId.value = e.id;
              if (mergeNote) {
                mergeNote.hidden = false;
                mergeNote.textContent = '登记后将按知识库“' + e.title + '”答复来电人并直接办结（不再派单）。';
              }
            });
            div.appendChild(b);
            kb.appendChild(div);
          });
        })
        .catch(function () {});
    };
    whenTyped(content, lookUp, 900);
  }
})();
