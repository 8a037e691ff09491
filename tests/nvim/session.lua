-- An editor session with Neovim's built-in LSP client (0.7 or newer) on a
-- copy of the unfixed chatbot: the diagnostics arrive, hover shows the
-- inferred type of `max_length`, and applying the code action for it
-- removes that error. tests/nvim.rs runs it headless; what it saw goes to
-- $TSY_NVIM_OUT as JSON.
local out = { log = {} }
local function finish()
  local f = io.open(os.getenv("TSY_NVIM_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local ok, problem = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("TSY_NVIM_FILE")))
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.start_client({
    name = "tsc",
    cmd = { os.getenv("TSY_NVIM_TSC"), "lsp", "--docs", os.getenv("TSY_NVIM_DOCS") },
    root_dir = vim.fn.getcwd(),
  })
  vim.lsp.buf_attach_client(buf, client)

  local function code(d)
    return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  end
  local function codes()
    local found = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(found, code(d))
    end
    table.sort(found)
    return found
  end

  vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  out.opened = codes()

  local uri = vim.uri_from_bufnr(buf)
  local at = vim.fn.searchpos("max_length):", "nw")
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = at[1] - 1, character = at[2] - 1 },
  }, 30000)
  out.hover = hover[client].result.contents.value

  local e2003
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if code(d) == "E2003" then e2003 = d end
  end
  local range = {
    start = { line = e2003.lnum, character = e2003.col },
    ["end"] = { line = e2003.end_lnum, character = e2003.end_col },
  }
  local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = range,
    context = { diagnostics = {} },
  }, 30000)
  for _, action in ipairs(actions[client].result) do
    if action.kind == "quickfix" then
      out.action = action.title
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
      break
    end
  end
  out.line = vim.fn.getline(at[1])
  vim.wait(30000, function() return #vim.diagnostic.get(buf) == #out.opened - 1 end, 20)
  out.fixed = codes()
  vim.lsp.stop_client(client)
end)
if not ok then out.error = tostring(problem) end
finish()
