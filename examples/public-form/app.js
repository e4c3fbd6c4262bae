/*
 * banli 示例公开页面的脚本：答复列表、答复详情、意见反馈、查询办理情况。
 *
 * 写给各地政府网站前端的参考实现，只用浏览器自带的功能（fetch、DOM），无框架、
 * 无构建步骤。几条要点：
 *
 * - 接口：所有调用都是 POST /graphql，请求体为 JSON {query, variables}。公开接口
 *   无需登录；字段说明见 banli 的 schema.graphql。
 * - 安全：服务器返回的一切（答复正文、单位名、错误提示……）都当作纯文本，只用
 *   textContent 写入页面，从不当作 HTML 解析，这样即使内容里有 <script> 之类的
 *   标记也只会原样显示。
 * - 验证码：每个验证码只能用一次，提交无论成功还是失败都会把它用掉，所以每次
 *   提交之后都要换一张新的，否则用户下一次提交必然失败。
 * - 错误：服务器把用户能改正的问题放在 userErrors 里（field 是出错字段的路径，
 *   如 ["input","content"]），页面把每条提示显示在对应字段旁边；对不上字段的显示
 *   在表单顶部。
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------
  // 调用接口

  var ENDPOINT = '/graphql';

  /** 一次 GraphQL 调用，返回 data；出错时抛出带中文说明的 Error。 */
  async function gql(query, variables) {
    var response;
    try {
      response = await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: query, variables: variables || {} })
      });
    } catch (e) {
      throw new Error('网络连接失败，请检查网络后重试。');
    }
    var body;
    try {
      body = await response.json();
    } catch (e) {
      throw new Error('服务器暂时无法响应（HTTP ' + response.status + '），请稍后重试。');
    }
    // 整个请求被拒绝（如请求过于频繁，extensions.code 为 RATE_LIMITED）时，
    // 服务器在 errors 里说明原因。
    if (body.errors && body.errors.length > 0) {
      throw new Error(chinese(body.errors[0].message) || '请求失败，请稍后重试。');
    }
    if (!response.ok || !body.data) {
      throw new Error('请求失败（HTTP ' + response.status + '），请稍后重试。');
    }
    return body.data;
  }

  /**
   * 服务器的提示是“中文 (English gist)”，括号里的英文供开发人员看；公众页面
   * 只显示中文部分。
   */
  function chinese(message) {
    var text = String(message || '');
    var stripped = text.replace(/\s*\([\x20-\x7e]*\)\s*$/, '');
    return stripped || text;
  }

  var LIST_QUERY =
    'query PublishedReplies($filter: PublishedReplyFilter, $after: String) {' +
    '  publishedReplies(filter: $filter, first: 20, after: $after) {' +
    '    totalCount' +
    '    nodes { id title publishedAt unit { name } }' +
    '    pageInfo { hasNextPage endCursor }' +
    '  }' +
    '}';

  var REPLY_QUERY =
    'query PublishedReply($id: ID!) {' +
    '  publishedReply(id: $id) {' +
    '    id title unit { name } addressee publication text suggestionText' +
    '    categoryLabel contactName contactPhone repliedOn publishedAt' +
    '    attachments { id filename mediaType byteSize downloadUrl }' +
    '  }' +
    '}';

  var CREATE_CAPTCHA =
    'mutation CreateCaptcha($audio: Boolean!) { createCaptcha(audio: $audio) { id imagePng audioWav expiresAt } }';

  var SUBMIT_FEEDBACK =
    'mutation SubmitPublicFeedback($input: SubmitPublicFeedbackInput!) {' +
    '  submitPublicFeedback(input: $input) {' +
    '    lookupCode' +
    '    userErrors { field code message }' +
    '  }' +
    '}';

  var LOOKUP =
    'mutation LookUpPublicFeedback($input: LookUpPublicFeedbackInput!) {' +
    '  lookUpPublicFeedback(input: $input) {' +
    '    feedback { status answer submittedAt answeredAt }' +
    '    userErrors { field code message }' +
    '  }' +
    '}';

  /** 意见的办理状态，按公众能理解的说法显示。 */
  var STATUS_LABELS = {
    NEW: '已收到待处理',
    READ: '已阅',
    HANDLED: '已办理',
    SPAM: '不予处理'
  };

  // ---------------------------------------------------------------------------
  // 小工具

  function $(id) {
    return document.getElementById(id);
  }

  /** 写入纯文本；空文本时隐藏元素。 */
  function showText(element, text) {
    element.textContent = text || '';
    element.hidden = !text;
  }

  /** 接口的时间带 +08:00（中国时间），按原样显示到分钟，不换算成浏览器所在时区。 */
  function formatDateTime(value) {
    return value ? value.slice(0, 10) + ' ' + value.slice(11, 16) : '';
  }

  /** 2022-09-16 → 2022年9月16日（答复函落款的写法）。 */
  function formatChineseDate(value) {
    var parts = (value || '').split('-');
    if (parts.length !== 3) return value || '';
    return parts[0] + '年' + Number(parts[1]) + '月' + Number(parts[2]) + '日';
  }

  /** 把多行文本按行分成段落，逐段用 textContent 写入。 */
  function renderParagraphs(container, text) {
    container.replaceChildren();
    text.split(/\r?\n/).forEach(function (line) {
      if (line.trim() === '') return;
      var p = document.createElement('p');
      p.textContent = line.trim();
      container.appendChild(p);
    });
  }

  // ---------------------------------------------------------------------------
  // 验证码：每个表单一个。load() 取一张新的；id() 等待正在进行的加载完成后
  // 返回当前验证码的 id（用户在新图出现前就点了提交时也不会用旧 id）。

  function captcha(prefix) {
    var image = $(prefix + '-captcha-image');
    var answer = $(prefix + '-captcha-answer');
    var error = $(prefix + '-captcha-answer-error');
    var player = $(prefix + '-captcha-player');
    var current = null;
    var pending = Promise.resolve();
    var generation = 0;

    /** 取一张新的验证码；audio 为 true 时连同同一组字符的语音一起取回并播放。 */
    function load(audio) {
      var mine = ++generation;
      current = null;
      answer.value = '';
      image.removeAttribute('src');
      image.alt = '验证码加载中';
      player.pause();
      player.removeAttribute('src');
      player.hidden = true;
      pending = gql(CREATE_CAPTCHA, { audio: Boolean(audio) }).then(
        function (data) {
          if (mine !== generation) return; // 已有更新的一次加载
          var made = data.createCaptcha;
          // 只接受 PNG、WAV 的 data: URL，别的东西不放进 src。
          if (!/^data:image\/png;base64,/.test(made.imagePng) ||
              (audio && !/^data:audio\/wav;base64,/.test(made.audioWav || ''))) {
            throw new Error('验证码格式不正确，请点击“换一张”。');
          }
          current = made.id;
          image.src = made.imagePng;
          image.alt = '验证码图片。看不清可点击“换一张”，看不见可点击“听语音”。';
          if (audio) {
            player.src = made.audioWav;
            player.hidden = false;
            player.focus();
            // 由用户的点击触发，浏览器允许直接播放；不允许时用户可按播放控件。
            player.play().catch(function () {});
          }
        }
      ).catch(function (e) {
        if (mine !== generation) return;
        image.alt = '验证码加载失败';
        showText(error, e.message);
      });
      return pending;
    }

    $(prefix + '-captcha-refresh').addEventListener('click', function () {
      load(false);
      answer.focus();
    });
    $(prefix + '-captcha-audio').addEventListener('click', function () {
      load(true);
    });

    return {
      load: function () {
        return load(false);
      },
      id: function () {
        return pending.then(function () {
          return current;
        });
      }
    };
  }

  // ---------------------------------------------------------------------------
  // 表单错误：userErrors 的字段路径 → 页面上的输入框。每个输入框 X 旁边有
  // X-error 元素；对不上的错误进表单顶部的提示区。

  function clearErrors(form) {
    form.querySelectorAll('.field-error, .form-error').forEach(function (element) {
      showText(element, '');
    });
    form.querySelectorAll('[aria-invalid]').forEach(function (element) {
      element.removeAttribute('aria-invalid');
    });
  }

  function showUserErrors(form, formError, fieldIds, userErrors) {
    var firstInvalid = null;
    userErrors.forEach(function (userError) {
      var inputId = fieldIds[(userError.field || []).join('.')];
      var input = inputId && $(inputId);
      var target = input ? $(inputId + '-error') : formError;
      var text = chinese(userError.message);
      showText(target, target.textContent ? target.textContent + '；' + text : text);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        firstInvalid = firstInvalid || input;
      }
    });
    if (firstInvalid) firstInvalid.focus();
  }

  // ---------------------------------------------------------------------------
  // 答复列表

  var list = {
    keyword: '',
    after: null,
    loaded: false
  };

  async function loadList(more) {
    var status = $('list-status');
    var items = $('reply-list');
    if (!more) {
      list.after = null;
      items.replaceChildren();
    }
    $('list-more').hidden = true;
    showText(status, '正在加载…');
    try {
      var filter = list.keyword ? { keyword: list.keyword } : null;
      var data = await gql(LIST_QUERY, { filter: filter, after: list.after });
      var page = data.publishedReplies;
      page.nodes.forEach(function (node) {
        items.appendChild(listItem(node));
      });
      list.loaded = true;
      list.after = page.pageInfo.endCursor;
      $('list-more').hidden = !page.pageInfo.hasNextPage;
      if (page.totalCount === 0) {
        showText(status, list.keyword ? '没有找到与“' + list.keyword + '”相关的答复。' : '暂无公开的答复。');
      } else {
        showText(status, '共 ' + page.totalCount + ' 条');
      }
    } catch (e) {
      showText(status, e.message);
    }
  }

  function listItem(node) {
    var item = document.createElement('li');
    var link = document.createElement('a');
    link.href = '#/reply/' + encodeURIComponent(node.id);
    link.textContent = node.title;
    var meta = document.createElement('span');
    meta.className = 'reply-list-meta';
    meta.textContent = node.unit.name + '　' + formatDateTime(node.publishedAt).slice(0, 10);
    item.append(link, meta);
    return item;
  }

  $('search-form').addEventListener('submit', function (event) {
    event.preventDefault();
    list.keyword = $('keyword').value.trim();
    loadList(false);
  });

  $('list-more').addEventListener('click', function () {
    loadList(true);
  });

  // ---------------------------------------------------------------------------
  // 答复详情（版式仿照公开的答复函）

  var currentReplyId = null;

  async function showReply(id) {
    currentReplyId = id;
    $('reply-content').hidden = true;
    showText($('reply-status'), '正在加载…');
    var reply;
    try {
      reply = (await gql(REPLY_QUERY, { id: id })).publishedReply;
    } catch (e) {
      if (currentReplyId === id) showText($('reply-status'), e.message);
      return;
    }
    if (currentReplyId !== id) return; // 用户已经打开了别的答复
    if (!reply) {
      showText($('reply-status'), '没有找到这份答复，它可能尚未公开或已不再公开。');
      return;
    }
    showText($('reply-status'), '');
    document.title = reply.title;
    $('reply-title').textContent = reply.title;
    $('reply-published-at').textContent = formatDateTime(reply.publishedAt);
    $('reply-source').textContent = reply.unit.name;
    $('reply-summary-note').hidden = reply.publication !== 'SUMMARY';

    // 称呼（如“夏维奇代表：”）单独成行；正文若已以称呼开头则不重复显示。
    var text = reply.text;
    var addressee = reply.addressee ? reply.addressee.replace(/[：:]\s*$/, '') : '';
    if (addressee) {
      var firstLine = text.split(/\r?\n/)[0].trim().replace(/[：:]$/, '');
      if (firstLine === addressee) text = text.slice(text.indexOf('\n') + 1);
    }
    showText($('reply-addressee'), addressee ? addressee + '：' : '');
    renderParagraphs($('reply-text'), text);

    $('reply-category').textContent = reply.categoryLabel;
    $('reply-contact-name').textContent = reply.contactName;
    $('reply-contact-phone').textContent = reply.contactPhone;
    $('reply-date').textContent = formatChineseDate(reply.repliedOn);

    renderAttachments(reply.attachments || []);

    $('reply-suggestion').hidden = !reply.suggestionText;
    $('reply-suggestion').open = false;
    renderParagraphs($('reply-suggestion-text'), reply.suggestionText || '');

    resetFeedbackForm();
    $('reply-content').hidden = false;
    // 焦点移到答复标题：读屏软件从这里读起，键盘用户从这里往下走。
    $('reply-title').focus();
    feedbackCaptcha.load();
  }

  // 答复函公开件：文件名、类型和大小，链接直接下载（公开件无需登录）。
  function renderAttachments(files) {
    var list = $('reply-attachments-list');
    list.textContent = '';
    files.forEach(function (file) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = file.downloadUrl;
      link.setAttribute('download', file.filename);
      link.textContent = file.filename;
      item.appendChild(link);
      var kind = {
        'application/pdf': 'PDF', 'application/ofd': 'OFD', 'image/jpeg': 'JPEG',
        'image/png': 'PNG', 'application/msword': 'DOC', 'application/vnd.ms-excel': 'XLS'
      }[file.mediaType] || (/wordprocessingml/.test(file.mediaType) ? 'DOCX' : 'XLSX');
      var size = file.byteSize >= 1048576
        ? (file.byteSize / 1048576).toFixed(1) + ' MB'
        : Math.max(1, Math.round(file.byteSize / 1024)) + ' KB';
      item.appendChild(document.createTextNode('（' + kind + '，' + size + '）'));
      list.appendChild(item);
    });
    $('reply-attachments').hidden = files.length === 0;
  }

  // ---------------------------------------------------------------------------
  // 意见反馈

  var feedbackForm = $('feedback-form');
  var feedbackCaptcha = captcha('fb');
  var sendingFeedback = false;

  /** userErrors 的字段路径 → 输入框 id。 */
  var FEEDBACK_FIELDS = {
    'input.name': 'fb-name',
    'input.contact': 'fb-contact',
    'input.content': 'fb-content',
    'input.consentToPublish': 'fb-consent',
    'input.captchaId': 'fb-captcha-answer',
    'input.captchaAnswer': 'fb-captcha-answer'
    // 其余的显示在表单顶部，如 input.replyId（答复不存在或已不再公开）和
    // 提交过于频繁（RATE_LIMITED，提示里已写明多少秒后可再试）。
  };

  function resetFeedbackForm() {
    feedbackForm.reset();
    clearErrors(feedbackForm);
    $('feedback-result').hidden = true;
  }

  /** 选填项留空时不传（null），而不是传空字符串。 */
  function optional(value) {
    return value.trim() === '' ? null : value;
  }

  feedbackForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    if (sendingFeedback) return;
    sendingFeedback = true;
    $('fb-submit').disabled = true;
    clearErrors(feedbackForm);
    $('feedback-result').hidden = true;
    try {
      var input = {
        replyId: currentReplyId,
        name: optional($('fb-name').value),
        contact: optional($('fb-contact').value),
        content: $('fb-content').value,
        consentToPublish: $('fb-consent').checked,
        captchaId: (await feedbackCaptcha.id()) || '',
        captchaAnswer: $('fb-captcha-answer').value,
        // 蜜罐字段原样发送：人不会填它，填了的是机器人。
        website: $('fb-website').value
      };
      var payload = (await gql(SUBMIT_FEEDBACK, { input: input })).submitPublicFeedback;
      if (payload.userErrors.length === 0 && payload.lookupCode) {
        feedbackForm.reset();
        $('feedback-lookup-code').textContent = payload.lookupCode;
        $('feedback-result').hidden = false;
        $('feedback-result').focus();
        // 顺手填进“查询办理情况”，方便以后查询。
        $('lookup-code').value = payload.lookupCode;
      } else if (payload.userErrors.length > 0) {
        showUserErrors(feedbackForm, $('feedback-form-error'), FEEDBACK_FIELDS, payload.userErrors);
      } else {
        showText($('feedback-form-error'), '提交失败，请稍后重试。');
      }
    } catch (e) {
      showText($('feedback-form-error'), e.message);
    } finally {
      sendingFeedback = false;
      $('fb-submit').disabled = false;
      // 这个验证码已经用掉了（成功、失败都一样）：换一张新的。
      feedbackCaptcha.load();
    }
  });

  // ---------------------------------------------------------------------------
  // 查询办理情况

  var lookupForm = $('lookup-form');
  var lookupCaptcha = captcha('lookup');
  var lookingUp = false;

  var LOOKUP_FIELDS = {
    'input.code': 'lookup-code',
    'input.captchaId': 'lookup-captcha-answer',
    'input.captchaAnswer': 'lookup-captcha-answer'
  };

  lookupForm.addEventListener('submit', async function (event) {
    event.preventDefault();
    if (lookingUp) return;
    lookingUp = true;
    $('lookup-submit').disabled = true;
    clearErrors(lookupForm);
    $('lookup-result').hidden = true;
    try {
      var input = {
        code: $('lookup-code').value,
        captchaId: (await lookupCaptcha.id()) || '',
        captchaAnswer: $('lookup-captcha-answer').value
      };
      var result = (await gql(LOOKUP, { input: input })).lookUpPublicFeedback;
      if (result.feedback) {
        var feedback = result.feedback;
        $('lookup-status').textContent = STATUS_LABELS[feedback.status] || feedback.status;
        $('lookup-submitted-at').textContent = formatDateTime(feedback.submittedAt);
        $('lookup-answered-at').textContent = formatDateTime(feedback.answeredAt) || '—';
        $('lookup-answer').textContent = feedback.answer || '暂无答复';
        $('lookup-result').hidden = false;
      } else if (result.userErrors.length > 0) {
        showUserErrors(lookupForm, $('lookup-form-error'), LOOKUP_FIELDS, result.userErrors);
      } else {
        showText($('lookup-form-error'), '查询失败，请稍后重试。');
      }
    } catch (e) {
      showText($('lookup-form-error'), e.message);
    } finally {
      lookingUp = false;
      $('lookup-submit').disabled = false;
      // 查询同样用掉了验证码。
      lookupCaptcha.load();
    }
  });

  // ---------------------------------------------------------------------------
  // 页面切换：#/reply/<id> 显示一份答复，其余显示列表。用地址栏的 # 部分，
  // 这样答复可以收藏、分享，浏览器的“后退”也能回到列表。

  function route() {
    var match = /^#\/reply\/(.+)$/.exec(window.location.hash);
    $('list-view').hidden = Boolean(match);
    $('reply-view').hidden = !match;
    if (match) {
      showReply(decodeURIComponent(match[1]));
    } else {
      currentReplyId = null;
      document.title = '代表建议答复公开';
      if (!list.loaded) loadList(false);
    }
    window.scrollTo(0, 0);
  }

  // ---------------------------------------------------------------------------
  // 显示方式：大字、高对比。按钮的 aria-pressed 表示是否开启；选择记在本机
  // 浏览器（localStorage）里，下次打开仍然有效。

  function displayOption(buttonId, className) {
    var button = $(buttonId);
    var key = 'banli-display-' + className;
    function apply(on) {
      document.documentElement.classList.toggle(className, on);
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    var saved = false;
    try {
      saved = window.localStorage.getItem(key) === 'on';
    } catch (e) {
      // 浏览器不让用本地存储时，只在本页有效。
    }
    apply(saved);
    button.addEventListener('click', function () {
      var on = button.getAttribute('aria-pressed') !== 'true';
      apply(on);
      try {
        window.localStorage.setItem(key, on ? 'on' : 'off');
      } catch (e) {
        // 同上。
      }
    });
  }

  displayOption('opt-large', 'large');
  displayOption('opt-contrast', 'contrast');

  window.addEventListener('hashchange', route);
  route();
  lookupCaptcha.load();
})();
