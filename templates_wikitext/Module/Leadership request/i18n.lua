-- Messages of the leadership request pages, in the reader's language.
--
-- The texts are the bot's own message files (leadership_bot/i18n/*.json in the bot's
-- repository, translatewiki format), which install-templates publishes as
-- Module:Leadership request/messages.json. Fix a translation in those files: the next
-- install-templates overwrites the data page.
--
-- Look-up order: the language, then MediaWiki's fallback chain for it (pt-br -> pt),
-- then the data's fallback language (English). $1, $2 ... are filled in first, then
-- {{PLURAL:n|one|other}} is resolved with the plural rules of the language the text
-- was found in: the same steps as leadership_bot/core/messages.py.

local p = {}

p.DATA = 'Module:Leadership request/messages.json'

local function data()
	local ok, loaded = pcall(mw.loadJsonData, p.DATA)
	if ok and type(loaded) == 'table' and type(loaded.messages) == 'table' then
		return loaded
	end
	return nil
end

-- The languages to try for lang, in order.
function p.chain(lang, fallback)
	local langs = {}
	if lang and lang ~= '' and mw.language.isKnownLanguageTag(lang) then
		table.insert(langs, lang)
		for _, code in ipairs(mw.language.getFallbacksFor(lang)) do
			table.insert(langs, code)
		end
	end
	table.insert(langs, fallback or 'en')
	return langs
end

-- The raw text of key and the language it is in; nil when no language has it or the
-- data page is missing or broken.
function p.lookup(key, lang)
	local loaded = data()
	if not loaded then
		return nil
	end
	for _, code in ipairs(p.chain(lang, loaded.fallback)) do
		local texts = loaded.messages[code]
		if texts and type(texts[key]) == 'string' then
			return texts[key], code
		end
	end
	return nil
end

local function plural(language, number, forms)
	local n = tonumber(mw.text.trim(number))
	local list = mw.text.split(forms, '|', true)
	if not n or n ~= math.floor(n) then
		return list[#list]
	end
	return language:convertPlural(n, list)
end

-- The message key in lang with params filled in; nil when there is none.
function p.message(key, lang, params)
	local text, code = p.lookup(key, lang)
	if not text then
		return nil
	end
	params = params or {}
	text = mw.ustring.gsub(text, '%$(%d+)', function(index)
		local value = params[tonumber(index)]
		return value ~= nil and tostring(value) or ('$' .. index)
	end)
	local language = mw.language.new(code)
	text = mw.ustring.gsub(text, '{{PLURAL:%s*([^|}]*)|([^}]*)}}', function(number, forms)
		return plural(language, number, forms)
	end)
	return text
end

-- {{#invoke:Leadership request/i18n|msg|KEY|param1|...|lang=fr}}: the message as plain
-- text (no markup of the parameters reaches the page); lang defaults to {{int:lang}},
-- Meta-Wiki's reader's language.
function p.msg(frame)
	local args = frame.args
	local lang = args.lang
	if not lang or lang == '' then
		lang = frame:preprocess('{{int:lang}}')
	end
	local params = {}
	local i = 2
	while args[i] ~= nil do
		params[i - 1] = args[i]
		i = i + 1
	end
	local text = p.message(mw.text.trim(args[1] or ''), lang, params)
	if not text then
		return ''
	end
	return mw.text.nowiki(text)
end

return p
